-- The hours an alert rule's SLA counts (JSON: {"days": [1, …], "opens": "HH:MM", "closes": "HH:MM"});
-- NULL counts every hour, as before.
ALTER TABLE alert_rules ADD COLUMN business_hours TEXT;
