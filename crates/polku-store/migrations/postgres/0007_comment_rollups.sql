-- Comment counts per day for the insights page (key drivers, emerging themes), kept in the transaction that
-- writes the comments and adjusted by `polku reanalyse`, so insights read a few thousand rows instead of
-- every comment. For each comment one row with theme '' (its own tone), and one per theme it mentions (the
-- tone about that theme). polarity '' = not analysed; score_kind '' / score -1 = no headline score.
CREATE TABLE comment_rollups (
    org_id UUID NOT NULL,
    day BIGINT NOT NULL,
    survey_id UUID NOT NULL,
    theme TEXT NOT NULL,
    polarity TEXT NOT NULL,
    score_kind TEXT NOT NULL,
    score BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (org_id, day, survey_id, theme, polarity, score_kind, score)
);

INSERT INTO comment_rollups (org_id, day, survey_id, theme, polarity, score_kind, score, n)
SELECT c.org_id, r.day, c.survey_id, '', COALESCE(c.polarity, ''), COALESCE(c.score_kind, ''), COALESCE(c.score, -1),
       COUNT(*)
FROM comments c JOIN responses r ON r.id = c.response_id
GROUP BY c.org_id, r.day, c.survey_id, COALESCE(c.polarity, ''), COALESCE(c.score_kind, ''), COALESCE(c.score, -1);

INSERT INTO comment_rollups (org_id, day, survey_id, theme, polarity, score_kind, score, n)
SELECT c.org_id, r.day, c.survey_id, t.theme, t.polarity, COALESCE(c.score_kind, ''), COALESCE(c.score, -1), COUNT(*)
FROM comment_themes t JOIN comments c ON c.id = t.comment_id JOIN responses r ON r.id = c.response_id
GROUP BY c.org_id, r.day, c.survey_id, t.theme, t.polarity, COALESCE(c.score_kind, ''), COALESCE(c.score, -1);
