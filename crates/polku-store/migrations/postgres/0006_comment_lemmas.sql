-- The lemma of every word of a comment (polku-domain: Analysis::lemmas), space-separated: what emerging
-- words are counted from, so that the insights page reads stored words instead of analysing text. NULL
-- for answers analysed before this migration, until `polku reanalyse`.
ALTER TABLE comments ADD COLUMN lemmas TEXT;
