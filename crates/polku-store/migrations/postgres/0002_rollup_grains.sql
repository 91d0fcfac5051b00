-- Rollups at three grains (day, week, month) with marginal cells, so that a dashboard over any period reads
-- a few hundred rows; see polku-domain::rollup. grain: 0 day, 1 week, 2 month (bucket is a day number,
-- a Monday-based week number or year*12+month-1). dims: 0 total, 1 per channel, 2 per touchpoint,
-- 3 per channel × touchpoint (day grain only); a dimension not kept apart is stored as ''.
-- s0..s10 count the answers with score 0..10: one row is the whole histogram of its cell.
-- The primary key leads with what every query fixes (organisation, grain, dims) and then the bucket, so a
-- period is one contiguous range of the key.
CREATE TABLE rollup_cells (
    org_id UUID NOT NULL,
    grain BIGINT NOT NULL,
    dims BIGINT NOT NULL,
    bucket BIGINT NOT NULL,
    survey_id UUID NOT NULL,
    question_id UUID NOT NULL,
    channel TEXT NOT NULL,
    touchpoint TEXT NOT NULL,
    kind TEXT NOT NULL,
    s0 BIGINT NOT NULL,
    s1 BIGINT NOT NULL,
    s2 BIGINT NOT NULL,
    s3 BIGINT NOT NULL,
    s4 BIGINT NOT NULL,
    s5 BIGINT NOT NULL,
    s6 BIGINT NOT NULL,
    s7 BIGINT NOT NULL,
    s8 BIGINT NOT NULL,
    s9 BIGINT NOT NULL,
    s10 BIGINT NOT NULL,
    PRIMARY KEY (org_id, grain, dims, bucket, survey_id, question_id, channel, touchpoint)
);

-- Carry the existing day cells over. Week numbers are floor((day + 3) / 7), written so that integer
-- division truncating toward zero gives the floor for days before 1970 too.
INSERT INTO rollup_cells (org_id, grain, dims, bucket, survey_id, question_id, channel, touchpoint, kind,
                          s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10)
SELECT org_id, grain, dims, bucket, survey_id, question_id, channel, touchpoint, kind,
       SUM(CASE WHEN score = 0 THEN n ELSE 0 END),
       SUM(CASE WHEN score = 1 THEN n ELSE 0 END),
       SUM(CASE WHEN score = 2 THEN n ELSE 0 END),
       SUM(CASE WHEN score = 3 THEN n ELSE 0 END),
       SUM(CASE WHEN score = 4 THEN n ELSE 0 END),
       SUM(CASE WHEN score = 5 THEN n ELSE 0 END),
       SUM(CASE WHEN score = 6 THEN n ELSE 0 END),
       SUM(CASE WHEN score = 7 THEN n ELSE 0 END),
       SUM(CASE WHEN score = 8 THEN n ELSE 0 END),
       SUM(CASE WHEN score = 9 THEN n ELSE 0 END),
       SUM(CASE WHEN score = 10 THEN n ELSE 0 END)
FROM (
    SELECT org_id, g.grain, d.dims,
           CASE g.grain WHEN 0 THEN day
                        WHEN 1 THEN CASE WHEN day + 3 >= 0 THEN (day + 3) / 7 ELSE -((3 - day) / 7) END
                        ELSE month END AS bucket,
           survey_id, question_id,
           CASE WHEN d.dims IN (1, 3) THEN channel ELSE '' END AS channel,
           CASE WHEN d.dims IN (2, 3) THEN touchpoint ELSE '' END AS touchpoint,
           kind, score, n
    FROM rollups
    CROSS JOIN (SELECT 0 AS grain UNION ALL SELECT 1 UNION ALL SELECT 2) g
    CROSS JOIN (SELECT 0 AS dims UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3) d
    WHERE d.dims < 3 OR g.grain = 0
) cells
GROUP BY org_id, grain, dims, bucket, survey_id, question_id, channel, touchpoint, kind;

DROP TABLE rollups;
