//! A real SMTP server for the tests that send mail: aiosmtpd on a free loopback port
//! (`smtp_sink.py` writes what it receives to files).

use serde_json::Value;
use std::path::PathBuf;

/// A real SMTP server (aiosmtpd) on a free loopback port, stopped when dropped.
pub(crate) struct SmtpSink {
    child: std::process::Child,
    dir: PathBuf,
    pub port: u16,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl SmtpSink {
    /// `None` (the test is skipped, and says so) when aiosmtpd is not installed, unless
    /// `POLKU_REQUIRE_SMTP=1` (scripts/test.sh installs it and sets that).
    pub(crate) fn start() -> Option<SmtpSink> {
        let have =
            std::process::Command::new("python3").args(["-c", "import aiosmtpd"]).status().is_ok_and(|s| s.success());
        if !have {
            assert!(
                std::env::var("POLKU_REQUIRE_SMTP").is_err(),
                "POLKU_REQUIRE_SMTP is set but python3 cannot import aiosmtpd (pip install aiosmtpd)"
            );
            eprintln!("skipped: aiosmtpd is not installed (pip install aiosmtpd)");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dir = std::env::temp_dir().join(format!("polku-smtp-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let child = std::process::Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "smtp_sink.Sink"])
            .arg(&dir)
            .env("PYTHONPATH", concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support"))
            .spawn()
            .expect("start aiosmtpd");
        let sink = SmtpSink { child, dir, port };
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(sink);
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("aiosmtpd did not start listening on {port}");
    }

    /// Every message received so far for `to`.
    pub(crate) fn messages_to(&self, to: &str) -> Vec<Value> {
        let mut out: Vec<Value> = std::fs::read_dir(&self.dir)
            .unwrap()
            .filter_map(|e| {
                let path = e.ok()?.path();
                (path.extension()? == "json").then(|| serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap())
            })
            .filter(|m: &Value| m["rcpt_tos"].as_array().unwrap().iter().any(|r| r == to))
            .collect();
        out.sort_by(|a, b| a["message_id"].as_str().cmp(&b["message_id"].as_str()));
        out
    }
}
