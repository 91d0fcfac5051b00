-- What the text analysis (polku-domain::text) found in each open answer, written in the transaction that
-- stores the answer and rewritten by `polku reanalyse` when the lexicons or taxonomies change. Scores are
-- in -1..1; polarity is positive / neutral / negative. `combined_*` mixes in the response's own score.
CREATE TABLE comment_analysis (
    response_id UUID NOT NULL,
    question_id UUID NOT NULL,
    org_id UUID NOT NULL,
    survey_id UUID NOT NULL,
    submitted_at TIMESTAMPTZ NOT NULL,
    language TEXT,
    polarity TEXT NOT NULL,
    score DOUBLE PRECISION NOT NULL,
    combined_polarity TEXT,
    combined_score DOUBLE PRECISION,
    skipped TEXT,
    PRIMARY KEY (response_id, question_id)
);
CREATE INDEX comment_analysis_org ON comment_analysis (org_id, submitted_at);

-- One row per theme mentioned in an answer, with the sentiment of the clauses that mention it.
CREATE TABLE comment_themes (
    response_id UUID NOT NULL,
    question_id UUID NOT NULL,
    theme TEXT NOT NULL,
    org_id UUID NOT NULL,
    submitted_at TIMESTAMPTZ NOT NULL,
    polarity TEXT NOT NULL,
    score DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (response_id, question_id, theme)
);
CREATE INDEX comment_themes_org ON comment_themes (org_id, theme, submitted_at);
