-- The feedback inbox: one row per open answer with everything the inbox filters on (the response's context,
-- its headline score, the text analysis' verdict, whether the team has read it), so that a page is read
-- from one index instead of joining four tables per comment. Replaces comment_analysis; analysis columns
-- are NULL until the answer is analysed. `id` is the inbox's stable key.
CREATE TABLE comments (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    response_id UUID NOT NULL,
    question_id UUID NOT NULL,
    org_id UUID NOT NULL,
    survey_id UUID NOT NULL,
    submitted_at TIMESTAMPTZ NOT NULL,
    channel TEXT NOT NULL,
    touchpoint TEXT NOT NULL,
    customer_ref TEXT,
    -- The response's headline score: NPS, else CSAT, else CES (score_kind says which).
    score BIGINT,
    score_kind TEXT,
    language TEXT,
    polarity TEXT,
    sentiment DOUBLE PRECISION,
    combined_polarity TEXT,
    combined_score DOUBLE PRECISION,
    skipped TEXT,
    read_at TIMESTAMPTZ,
    read_by UUID,
    -- The words and base forms from polku-domain::text::search, with the `simple` configuration (the
    -- language work is done by the analysis). Answers stored before this migration are indexed by their
    -- words until `polku reanalyse` adds base forms.
    search TSVECTOR,
    UNIQUE (response_id, question_id)
);

INSERT INTO comments (response_id, question_id, org_id, survey_id, submitted_at, channel, touchpoint, customer_ref,
                      score, score_kind, language, polarity, sentiment, combined_polarity, combined_score, skipped,
                      search)
SELECT a.response_id, a.question_id, a.org_id, a.survey_id, a.submitted_at, r.channel, r.touchpoint, r.customer_ref,
       (SELECT s.score FROM answers s WHERE s.response_id = a.response_id AND s.kind IN ('nps', 'csat', 'ces')
         ORDER BY CASE s.kind WHEN 'nps' THEN 0 WHEN 'csat' THEN 1 ELSE 2 END LIMIT 1),
       (SELECT s.kind FROM answers s WHERE s.response_id = a.response_id AND s.kind IN ('nps', 'csat', 'ces')
         ORDER BY CASE s.kind WHEN 'nps' THEN 0 WHEN 'csat' THEN 1 ELSE 2 END LIMIT 1),
       c.language, c.polarity, c.score, c.combined_polarity, c.combined_score, c.skipped,
       to_tsvector('simple', a.text)
FROM answers a
JOIN responses r ON r.id = a.response_id
LEFT JOIN comment_analysis c ON c.response_id = a.response_id AND c.question_id = a.question_id
WHERE a.text IS NOT NULL
ORDER BY a.submitted_at, a.response_id, a.question_id;

-- Newest first with every single-valued filter inside the index: a filter that matches few comments is
-- checked on index entries alone, and only the page's rows are read from the table.
CREATE INDEX comments_inbox ON comments (org_id, submitted_at, id)
    INCLUDE (polarity, language, channel, touchpoint, score, read_at);
CREATE INDEX comments_survey ON comments (org_id, survey_id, submitted_at, id);
CREATE INDEX comments_customer ON comments (org_id, customer_ref, submitted_at, id) WHERE customer_ref IS NOT NULL;
CREATE INDEX comments_search ON comments USING GIN (search);

-- Themes keyed by comment; the inbox's theme filter pages through (org, theme) newest first.
CREATE TABLE comment_themes_new (
    comment_id BIGINT NOT NULL,
    theme TEXT NOT NULL,
    org_id UUID NOT NULL,
    submitted_at TIMESTAMPTZ NOT NULL,
    polarity TEXT NOT NULL,
    score DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (comment_id, theme)
);
INSERT INTO comment_themes_new (comment_id, theme, org_id, submitted_at, polarity, score)
SELECT c.id, t.theme, t.org_id, t.submitted_at, t.polarity, t.score
FROM comment_themes t JOIN comments c ON c.response_id = t.response_id AND c.question_id = t.question_id;
DROP TABLE comment_themes;
ALTER TABLE comment_themes_new RENAME TO comment_themes;
ALTER TABLE comment_themes RENAME CONSTRAINT comment_themes_new_pkey TO comment_themes_pkey;
CREATE INDEX comment_themes_inbox ON comment_themes (org_id, theme, submitted_at, comment_id);
DROP TABLE comment_analysis;

-- The team's own labels on comments.
CREATE TABLE comment_tags (
    comment_id BIGINT NOT NULL,
    tag TEXT NOT NULL,
    org_id UUID NOT NULL,
    submitted_at TIMESTAMPTZ NOT NULL,
    created_by UUID,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (comment_id, tag)
);
CREATE INDEX comment_tags_inbox ON comment_tags (org_id, tag, submitted_at, comment_id);

CREATE TABLE comment_notes (
    id UUID PRIMARY KEY,
    comment_id BIGINT NOT NULL,
    org_id UUID NOT NULL,
    author_id UUID,
    body TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX comment_notes_comment ON comment_notes (comment_id, created_at);

-- The inbox no longer reads answers in date order.
DROP INDEX answers_comments;
DROP INDEX answers_survey_comments;
