-- The rolling summary of each chat session's older messages (see the PostgreSQL migration
-- 0004): the text and how many messages, from the first, it has folded in.
CREATE TABLE IF NOT EXISTS falsafa_session_summaries (
    session_id TEXT PRIMARY KEY,
    summary TEXT NOT NULL,
    covers INTEGER NOT NULL,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
