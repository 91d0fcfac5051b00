//! Recounts behind `polku bench queries`: the dashboard's figures straight from the raw answers, so that
//! the benchmark can show what the rollups save and check that both agree. The product never reads
//! `answers JOIN responses` for a chart. Grouping expressions are fixed strings chosen here, never input,
//! and every value is bound.

use crate::{BucketTouchpointRow, GroupBy, Result, RollupFilter, RollupRow, Store};
use polku_domain::calendar::Granularity;
use std::collections::BTreeMap;

/// The bucket expression over raw responses, which store no month: months are folded from days in Rust,
/// because turning a day number into a month in SQL needs backend-specific date functions.
fn raw_bucket(g: Granularity) -> &'static str {
    match g {
        Granularity::Day | Granularity::Month => "r.day",
        Granularity::Week => "CAST((r.day + 3) / 7 AS BIGINT)",
    }
}

impl Store {
    /// What [`Store::rollup_by_bucket_and_touchpoint`] returns, recounted from the raw answers. It counts
    /// every scored kind (not only NPS) so that its output equals the rollups' exactly and the benchmark
    /// can check the two against each other.
    pub async fn raw_nps_scan_by_bucket_and_touchpoint(
        &self,
        f: RollupFilter,
        g: Granularity,
    ) -> Result<Vec<BucketTouchpointRow>> {
        let bucket = raw_bucket(g);
        let survey = f.survey_clause("a.survey_id");
        let sql = format!(
            "SELECT a.kind, {bucket} AS bucket, r.touchpoint, a.score, COUNT(*) AS n
             FROM answers a JOIN responses r ON r.id = a.response_id AND r.org_id = a.org_id
             WHERE a.org_id = $1 AND r.day >= $2 AND r.day <= $3 AND a.score IS NOT NULL {survey}
             GROUP BY a.kind, {bucket}, r.touchpoint, a.score"
        );
        let rows: Vec<(String, i64, String, i64, i64)> = self.fetch_filtered(sql, f).await?;
        let rows = rows.into_iter().map(|(kind, bucket, touchpoint, score, n)| BucketTouchpointRow {
            kind,
            bucket,
            touchpoint,
            score,
            n,
        });
        if g != Granularity::Month {
            return Ok(rows.collect());
        }
        let mut months: BTreeMap<(String, i64, String, i64), i64> = BTreeMap::new();
        for r in rows {
            let month = i64::from(g.bucket_of_day(r.bucket as i32));
            *months.entry((r.kind, month, r.touchpoint, r.score)).or_default() += r.n;
        }
        Ok(months
            .into_iter()
            .map(|((kind, bucket, touchpoint, score), n)| BucketTouchpointRow { kind, bucket, touchpoint, score, n })
            .collect())
    }

    /// What [`Store::rollup`] returns for a one-dimensional breakdown, recounted from the raw answers
    /// (every scored kind, as there). Month buckets are folded from days in Rust, as above.
    pub async fn raw_nps_scan(&self, f: RollupFilter, by: GroupBy) -> Result<Vec<RollupRow>> {
        let group = match by {
            GroupBy::Bucket(Granularity::Day | Granularity::Month) => "CAST(r.day AS TEXT)",
            GroupBy::Bucket(Granularity::Week) => "CAST((r.day + 3) / 7 AS TEXT)",
            GroupBy::Channel => "r.channel",
            GroupBy::Touchpoint => "r.touchpoint",
        };
        let survey = f.survey_clause("a.survey_id");
        let sql = format!(
            "SELECT a.kind, {group} AS grp, a.score, COUNT(*) AS n
             FROM answers a JOIN responses r ON r.id = a.response_id AND r.org_id = a.org_id
             WHERE a.org_id = $1 AND r.day >= $2 AND r.day <= $3 AND a.score IS NOT NULL {survey}
             GROUP BY a.kind, {group}, a.score"
        );
        let rows: Vec<(String, String, i64, i64)> = self.fetch_filtered(sql, f).await?;
        let rows = rows.into_iter().map(|(kind, group, score, n)| RollupRow { kind, group, score, n });
        if by != GroupBy::Bucket(Granularity::Month) {
            return Ok(rows.collect());
        }
        let mut months: BTreeMap<(String, String, i64), i64> = BTreeMap::new();
        for r in rows {
            let day: i32 = r.group.parse().map_err(|_| crate::StoreError::Corrupt(format!("day {:?}", r.group)))?;
            let month = Granularity::Month.bucket_of_day(day).to_string();
            *months.entry((r.kind, month, r.score)).or_default() += r.n;
        }
        Ok(months.into_iter().map(|((kind, group, score), n)| RollupRow { kind, group, score, n }).collect())
    }
}
