-- An organisation's journey (polku-domain::journey): its stages in order and where its touchpoints sit.
-- Without rows the default stages apply. Names are JSON objects of language → name.
CREATE TABLE journey_stages (
    org_id UUID NOT NULL REFERENCES organisations(id),
    key TEXT NOT NULL,
    position BIGINT NOT NULL,
    names TEXT NOT NULL,
    PRIMARY KEY (org_id, key)
);
CREATE TABLE journey_touchpoints (
    org_id UUID NOT NULL REFERENCES organisations(id),
    touchpoint TEXT NOT NULL,
    stage TEXT NOT NULL,
    position BIGINT NOT NULL,
    names TEXT NOT NULL,
    PRIMARY KEY (org_id, touchpoint)
);
