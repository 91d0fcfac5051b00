-- An organisation's own sentiment lexicon or theme taxonomy for one language, in the text format of
-- polku-domain::text (checked whole before it is stored). Without a row the embedded default is used.
CREATE TABLE text_models (
    org_id UUID NOT NULL REFERENCES organisations(id),
    kind TEXT NOT NULL,
    lang TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    updated_by UUID,
    PRIMARY KEY (org_id, kind, lang)
);

-- Bumped in the transaction of every change to an organisation's text models: nodes compare it to tell a
-- cached analyzer from a stale one (timestamps from several nodes' clocks cannot do that reliably).
CREATE TABLE text_model_revisions (
    org_id UUID PRIMARY KEY REFERENCES organisations(id),
    revision BIGINT NOT NULL
);
