-- The tables the backend relies on, Supabase-compatible. On a Supabase project where the
-- frontend already created them, every statement here is a no-op except the indexes the
-- backend needs (characters upsert key, messages by session and time).
CREATE TABLE IF NOT EXISTS public.categories (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL
);
CREATE TABLE IF NOT EXISTS public.books (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    title text NOT NULL,
    slug text,
    author text,
    description text,
    page_count integer,
    cover_image_url text,
    file_path text,
    category_id uuid REFERENCES public.categories(id),
    uploader_id uuid,
    status text,
    processing_status text NOT NULL DEFAULT 'pending',
    is_public boolean NOT NULL DEFAULT false,
    is_free boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS public.characters (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    book_id uuid NOT NULL REFERENCES public.books(id) ON DELETE CASCADE,
    name text NOT NULL,
    description text,
    avatar_url text,
    aliases text[] NOT NULL DEFAULT '{}',
    role text,
    mention_count integer NOT NULL DEFAULT 0,
    personality_traits jsonb NOT NULL DEFAULT '{}',
    system_prompt text NOT NULL DEFAULT '',
    processing_version integer NOT NULL DEFAULT 1,
    is_primary boolean NOT NULL DEFAULT false,
    sort_order integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE UNIQUE INDEX IF NOT EXISTS characters_book_name ON public.characters (book_id, name);
CREATE TABLE IF NOT EXISTS public.chat_sessions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    character_id uuid NOT NULL REFERENCES public.characters(id) ON DELETE CASCADE,
    book_id uuid NOT NULL REFERENCES public.books(id) ON DELETE CASCADE,
    message_count integer NOT NULL DEFAULT 0,
    preview text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS public.messages (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    session_id uuid NOT NULL REFERENCES public.chat_sessions(id) ON DELETE CASCADE,
    role text NOT NULL CHECK (role IN ('user', 'assistant', 'character')),
    content text NOT NULL,
    metadata jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS messages_session_created ON public.messages (session_id, created_at);
