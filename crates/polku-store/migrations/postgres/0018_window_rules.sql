-- Windowed alert rules ("a kiosk's negative share above 30 % in an hour") count a channel's recent answers
-- per touchpoint each minute: by organisation, channel and time.
CREATE INDEX responses_channel_time ON responses (org_id, channel, submitted_at);
