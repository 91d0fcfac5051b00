-- Keys that sign an organisation's personal survey links (see polku_domain::invite). The newest signs;
-- every kept one verifies, so links signed before a rotation work until they expire. Sealed like other
-- stored secrets.
CREATE TABLE link_keys (
    org_id UUID NOT NULL REFERENCES organisations(id),
    number BIGINT NOT NULL,
    secret TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, number)
);

-- One personal invitation: a customer asked to answer a survey through a channel. Opened when its page
-- is loaded, answered once (the answer's id kept).
CREATE TABLE invitations (
    id UUID PRIMARY KEY,
    org_id UUID NOT NULL REFERENCES organisations(id),
    survey_id UUID NOT NULL,
    customer_id UUID NOT NULL,
    channel TEXT NOT NULL,
    touchpoint TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    opened_at TIMESTAMPTZ,
    answered_at TIMESTAMPTZ,
    response_id UUID
);
CREATE INDEX invitations_survey ON invitations (org_id, survey_id, created_at);
CREATE INDEX invitations_customer ON invitations (org_id, customer_id, created_at);
