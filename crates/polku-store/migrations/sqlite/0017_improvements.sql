-- "You said, we did": improvements linked to themes and touchpoints. Shipping one (a compare-and-set on
-- status) queues, in the same transaction, one message per customer who gave negative feedback on them in
-- the year before, consented to be contacted, and has an e-mail address.
CREATE TABLE improvements (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations(id),
    -- What was done, per language: {"fi": "…", "sv": "…"}.
    texts TEXT NOT NULL,
    -- JSON lists of theme keys and touchpoint names.
    themes TEXT NOT NULL,
    touchpoints TEXT NOT NULL,
    status TEXT NOT NULL,
    created_by BLOB,
    created_at TEXT NOT NULL,
    shipped_at TEXT,
    told INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX improvements_org ON improvements (org_id, created_at);
