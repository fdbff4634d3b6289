-- Embedded SQLite schema: the same tables and columns as the frontend's Supabase schema
-- (see migrations/postgres for the real one). {session_id} and {preview} are the configured
-- chat_sessions column names (SchemaNames).
CREATE TABLE IF NOT EXISTS categories (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS books (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    slug TEXT,
    author TEXT,
    description TEXT,
    page_count INTEGER,
    cover_image_url TEXT,
    file_path TEXT,
    category_id TEXT REFERENCES categories(id),
    uploader_id TEXT,
    status TEXT,
    processing_status TEXT NOT NULL,
    is_public INTEGER NOT NULL DEFAULT 0,
    is_free INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE IF NOT EXISTS characters (
    id TEXT PRIMARY KEY,
    book_id TEXT NOT NULL REFERENCES books(id),
    name TEXT NOT NULL,
    description TEXT,
    avatar_url TEXT,
    aliases TEXT NOT NULL DEFAULT '[]',
    role TEXT,
    mention_count INTEGER NOT NULL DEFAULT 0,
    personality_traits TEXT NOT NULL DEFAULT '{}',
    system_prompt TEXT NOT NULL DEFAULT '',
    processing_version INTEGER NOT NULL DEFAULT 1,
    is_primary INTEGER NOT NULL DEFAULT 0,
    sort_order INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    deleted_at TEXT,
    UNIQUE (book_id, name)
);
CREATE TABLE IF NOT EXISTS chat_sessions (
    {session_id} TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    character_id TEXT NOT NULL REFERENCES characters(id),
    book_id TEXT NOT NULL REFERENCES books(id),
    message_count INTEGER NOT NULL DEFAULT 0,
    {preview} TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE IF NOT EXISTS messages (
    id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES chat_sessions({session_id}),
    role TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'character')),
    content TEXT NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_session_created ON messages (session_id, created_at);
