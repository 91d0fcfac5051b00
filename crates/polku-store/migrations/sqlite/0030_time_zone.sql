-- The organisation's time zone (IANA name): its calendar days, weeks and months. Finnish first, so existing
-- organisations and new ones are in Europe/Helsinki. `days_zone` is the zone the stored day numbers are
-- counted in; where it differs from `time_zone` (every organisation made before this migration, whose days
-- are UTC days, and any whose zone was just changed), a background job recomputes the days and the rollups
-- in one transaction (`Store::rebuild_days`).
ALTER TABLE organisations ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'Europe/Helsinki';
ALTER TABLE organisations ADD COLUMN days_zone TEXT NOT NULL DEFAULT 'UTC';
