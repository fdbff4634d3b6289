-- Row level security, Supabase style. The backend writes with the service role (which bypasses
-- RLS); a signed-in user reads their own sessions and messages and the characters of public
-- books (or of their own books). On plain PostgreSQL the Supabase roles and auth.uid() are
-- created here; on Supabase they exist and are left untouched.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN CREATE ROLE anon NOLOGIN; END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN CREATE ROLE authenticated NOLOGIN; END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN CREATE ROLE service_role NOLOGIN BYPASSRLS; END IF;
END $$;

CREATE SCHEMA IF NOT EXISTS auth;
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'auth' AND p.proname = 'uid'
    ) THEN
        EXECUTE $f$
            CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $b$
                SELECT nullif(coalesce(
                    current_setting('request.jwt.claim.sub', true),
                    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
                ), '')::uuid
            $b$
        $f$;
    END IF;
END $$;
GRANT USAGE ON SCHEMA auth TO anon, authenticated;
GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role;

ALTER TABLE public.categories ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.books ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.characters ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.chat_sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.messages ENABLE ROW LEVEL SECURITY;

GRANT SELECT ON public.categories, public.books, public.characters TO anon, authenticated;
GRANT SELECT ON public.chat_sessions, public.messages TO authenticated;
GRANT ALL ON public.categories, public.books, public.characters, public.chat_sessions, public.messages TO service_role;

DROP POLICY IF EXISTS falsafa_categories_read ON public.categories;
CREATE POLICY falsafa_categories_read ON public.categories FOR SELECT TO anon, authenticated USING (true);

DROP POLICY IF EXISTS falsafa_books_read ON public.books;
CREATE POLICY falsafa_books_read ON public.books FOR SELECT TO anon, authenticated
    USING (is_public OR uploader_id = auth.uid());

DROP POLICY IF EXISTS falsafa_characters_read ON public.characters;
CREATE POLICY falsafa_characters_read ON public.characters FOR SELECT TO anon, authenticated
    USING (deleted_at IS NULL AND EXISTS (
        SELECT 1 FROM public.books b
        WHERE b.id = characters.book_id AND (b.is_public OR b.uploader_id = auth.uid())));

DROP POLICY IF EXISTS falsafa_sessions_own ON public.chat_sessions;
CREATE POLICY falsafa_sessions_own ON public.chat_sessions FOR SELECT TO authenticated
    USING (user_id = auth.uid());

DROP POLICY IF EXISTS falsafa_messages_own ON public.messages;
CREATE POLICY falsafa_messages_own ON public.messages FOR SELECT TO authenticated
    USING (EXISTS (
        SELECT 1 FROM public.chat_sessions s
        WHERE s.id = messages.session_id AND s.user_id = auth.uid()));
