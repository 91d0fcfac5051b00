//! A snapshot of the OpenAPI document in `tests/openapi.json`, so that every change to the API contract
//! (a path, a method, a status code, a field) shows up as a diff in review. Update it on purpose with
//! `UPDATE_SNAPSHOTS=1 cargo test -p polku-web --test openapi`.

use std::path::Path;

/// The document as pretty-printed JSON with every object's keys sorted, so the file is stable.
fn render() -> String {
    let mut doc = serde_json::to_value(polku_web::api::openapi()).expect("the OpenAPI document serialises");
    doc.sort_all_objects();
    let mut text = serde_json::to_string_pretty(&doc).expect("JSON renders");
    text.push('\n');
    text
}

#[test]
fn openapi_document_matches_the_snapshot() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/openapi.json");
    let now = render();
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&file, &now).unwrap_or_else(|e| panic!("cannot write {}: {e}", file.display()));
        return;
    }
    let saved = std::fs::read_to_string(&file).unwrap_or_default();
    if saved != now {
        let new = Path::new(env!("CARGO_TARGET_TMPDIR")).join("openapi.json");
        std::fs::write(&new, &now).unwrap_or_else(|e| panic!("cannot write {}: {e}", new.display()));
        let line = saved.lines().zip(now.lines()).position(|(a, b)| a != b).unwrap_or(saved.lines().count());
        panic!(
            "the OpenAPI document differs from {saved_at} from line {n} on; see the whole change with\n  \
             diff -u {saved_at} {new_at}\n\
             If the API change is intended, update the snapshot with\n  \
             UPDATE_SNAPSHOTS=1 cargo test -p polku-web --test openapi\nand commit the diff.",
            saved_at = file.display(),
            n = line + 1,
            new_at = new.display(),
        );
    }
}

/// Every `{name}` in a path is declared as a path parameter of each of its operations (the API fuzzing of
/// issue 14 found six survey routes whose `{id}` was not, so they could not be fuzzed at all).
#[test]
fn every_path_parameter_is_declared() {
    let doc = serde_json::to_value(polku_web::api::openapi()).unwrap();
    let mut missing = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        let names: Vec<&str> = path.split('{').skip(1).filter_map(|s| s.split('}').next()).collect();
        for (method, op) in ops.as_object().unwrap() {
            let declared: Vec<&str> = op["parameters"]
                .as_array()
                .map(|ps| ps.iter().filter(|p| p["in"] == "path").filter_map(|p| p["name"].as_str()).collect())
                .unwrap_or_default();
            for n in &names {
                if !declared.contains(n) {
                    missing.push(format!("{method} {path}: {n}"));
                }
            }
        }
    }
    assert!(missing.is_empty(), "{missing:#?}");
}
