-- Open answers in response-id order, for `polku reanalyse`'s pages: without it each page re-sorted every
-- comment of the organisation (1,000 comments a minute at a million).
CREATE INDEX answers_text_by_response ON answers (org_id, response_id) WHERE text IS NOT NULL;
