-- Settings of the retention analyses (polku-domain::retention): after how many months without a purchase a
-- customer counts as lost, and what share of customers with negative load counts as "the few" (percent).
ALTER TABLE organisations ADD COLUMN lost_after_months INTEGER NOT NULL DEFAULT 12;
ALTER TABLE organisations ADD COLUMN few_percent INTEGER NOT NULL DEFAULT 5;
