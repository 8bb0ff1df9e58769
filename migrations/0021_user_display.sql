-- Each user's display preferences (issue 17): the colour theme and the time zone pages show
-- times in. `system` follows the browser's prefers-color-scheme; a NULL time zone falls back to
-- the zone the browser reports (the `tz` cookie), else UTC.
ALTER TABLE users ADD COLUMN theme TEXT NOT NULL DEFAULT 'system'
    CHECK (theme IN ('system', 'light', 'dark'));
ALTER TABLE users ADD COLUMN time_zone TEXT;
