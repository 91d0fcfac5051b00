-- The feedback inbox: one row per open answer with everything the inbox filters on (the response's context,
-- its headline score, the text analysis' verdict, whether the team has read it), so that a page is read
-- from one index instead of joining four tables per comment. Replaces comment_analysis; analysis columns
-- are NULL until the answer is analysed. `id` is the inbox's stable key (and the full-text index's rowid).
CREATE TABLE comments (
    id INTEGER PRIMARY KEY,
    response_id BLOB NOT NULL,
    question_id BLOB NOT NULL,
    org_id BLOB NOT NULL,
    survey_id BLOB NOT NULL,
    submitted_at TEXT NOT NULL,
    channel TEXT NOT NULL,
    touchpoint TEXT NOT NULL,
    customer_ref TEXT,
    -- The response's headline score: NPS, else CSAT, else CES (score_kind says which).
    score INTEGER,
    score_kind TEXT,
    language TEXT,
    polarity TEXT,
    sentiment REAL,
    combined_polarity TEXT,
    combined_score REAL,
    skipped TEXT,
    read_at TEXT,
    read_by BLOB,
    UNIQUE (response_id, question_id)
);

INSERT INTO comments (response_id, question_id, org_id, survey_id, submitted_at, channel, touchpoint, customer_ref,
                      score, score_kind, language, polarity, sentiment, combined_polarity, combined_score, skipped)
SELECT a.response_id, a.question_id, a.org_id, a.survey_id, a.submitted_at, r.channel, r.touchpoint, r.customer_ref,
       (SELECT s.score FROM answers s WHERE s.response_id = a.response_id AND s.kind IN ('nps', 'csat', 'ces')
         ORDER BY CASE s.kind WHEN 'nps' THEN 0 WHEN 'csat' THEN 1 ELSE 2 END LIMIT 1),
       (SELECT s.kind FROM answers s WHERE s.response_id = a.response_id AND s.kind IN ('nps', 'csat', 'ces')
         ORDER BY CASE s.kind WHEN 'nps' THEN 0 WHEN 'csat' THEN 1 ELSE 2 END LIMIT 1),
       c.language, c.polarity, c.score, c.combined_polarity, c.combined_score, c.skipped
FROM answers a
JOIN responses r ON r.id = a.response_id
LEFT JOIN comment_analysis c ON c.response_id = a.response_id AND c.question_id = a.question_id
WHERE a.text IS NOT NULL
ORDER BY a.submitted_at, a.response_id, a.question_id;

-- Newest first with every single-valued filter inside the index: a filter that matches few comments is
-- checked on index entries alone, and only the page's rows are read from the table.
CREATE INDEX comments_inbox ON comments (org_id, submitted_at, id, polarity, language, channel, touchpoint, score,
                                         read_at);
CREATE INDEX comments_survey ON comments (org_id, survey_id, submitted_at, id);
CREATE INDEX comments_customer ON comments (org_id, customer_ref, submitted_at, id) WHERE customer_ref IS NOT NULL;

-- Themes keyed by comment; the inbox's theme filter pages through (org, theme) newest first.
CREATE TABLE comment_themes_new (
    comment_id INTEGER NOT NULL,
    theme TEXT NOT NULL,
    org_id BLOB NOT NULL,
    submitted_at TEXT NOT NULL,
    polarity TEXT NOT NULL,
    score REAL NOT NULL,
    PRIMARY KEY (comment_id, theme)
) WITHOUT ROWID;
INSERT INTO comment_themes_new (comment_id, theme, org_id, submitted_at, polarity, score)
SELECT c.id, t.theme, t.org_id, t.submitted_at, t.polarity, t.score
FROM comment_themes t JOIN comments c ON c.response_id = t.response_id AND c.question_id = t.question_id;
DROP TABLE comment_themes;
ALTER TABLE comment_themes_new RENAME TO comment_themes;
CREATE INDEX comment_themes_inbox ON comment_themes (org_id, theme, submitted_at, comment_id);
DROP TABLE comment_analysis;

-- The team's own labels on comments.
CREATE TABLE comment_tags (
    comment_id INTEGER NOT NULL,
    tag TEXT NOT NULL,
    org_id BLOB NOT NULL,
    submitted_at TEXT NOT NULL,
    created_by BLOB,
    created_at TEXT NOT NULL,
    PRIMARY KEY (comment_id, tag)
) WITHOUT ROWID;
CREATE INDEX comment_tags_inbox ON comment_tags (org_id, tag, submitted_at, comment_id);

CREATE TABLE comment_notes (
    id BLOB PRIMARY KEY,
    comment_id INTEGER NOT NULL,
    org_id BLOB NOT NULL,
    author_id BLOB,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX comment_notes_comment ON comment_notes (comment_id, created_at);

-- Full-text search over comments.id: the words and base forms from polku-domain::text::search (answers
-- stored before this migration are indexed by their words until `polku reanalyse` adds base forms).
-- Contentless (the text lives in answers); contentless_delete lets re-analysis replace a row. Marks and
-- other symbols count as word characters, so that every term polku-domain makes (a run of what Rust calls
-- alphanumeric, which includes combining vowel signs and circled letters) is one token: a query term split
-- into two would be a phrase, which an index without positions refuses.
CREATE VIRTUAL TABLE comment_search USING fts5(
    terms, content = '', contentless_delete = 1, detail = none,
    tokenize = 'unicode61 remove_diacritics 0 categories ''L* N* Co M* So'''
);
INSERT INTO comment_search (rowid, terms)
SELECT c.id, a.text FROM comments c JOIN answers a ON a.response_id = c.response_id AND a.question_id = c.question_id;

-- The inbox no longer reads answers in date order.
DROP INDEX answers_comments;
DROP INDEX answers_survey_comments;
