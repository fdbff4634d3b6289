-- The rolling summary of each chat session's older messages, owned by the backend (the frontend
-- never reads it): the text and how many messages, from the first, it has folded in. Written
-- after a turn's `done`, read when the session cache misses, so memory outlives the cache.
-- No foreign key: the session table's key column is configurable (SchemaNames).
CREATE TABLE IF NOT EXISTS public.falsafa_session_summaries (
    session_id uuid PRIMARY KEY,
    summary text NOT NULL,
    covers integer NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- Only the service role reads or writes it (RLS on, no policies: anon and authenticated see
-- nothing even if granted by a broad default).
ALTER TABLE public.falsafa_session_summaries ENABLE ROW LEVEL SECURITY;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN
        GRANT ALL ON public.falsafa_session_summaries TO service_role;
    END IF;
END $$;

-- Keeps the newer of two racing folds: writes only when `p_covers` is larger. Returns whether
-- it wrote. Called as POST /rest/v1/rpc/falsafa_save_summary by the Supabase adapter.
CREATE OR REPLACE FUNCTION public.falsafa_save_summary(
    p_session_id uuid,
    p_summary text,
    p_covers integer
) RETURNS boolean
LANGUAGE sql SECURITY INVOKER AS $$
    WITH w AS (
        INSERT INTO public.falsafa_session_summaries AS s (session_id, summary, covers, updated_at)
        VALUES (p_session_id, p_summary, p_covers, now())
        ON CONFLICT (session_id) DO UPDATE
            SET summary = excluded.summary, covers = excluded.covers, updated_at = now()
            WHERE s.covers < excluded.covers
        RETURNING 1
    )
    SELECT EXISTS (SELECT 1 FROM w)
$$;
DO $$
BEGIN
    REVOKE EXECUTE ON FUNCTION public.falsafa_save_summary(uuid, text, integer) FROM PUBLIC;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN
        GRANT EXECUTE ON FUNCTION public.falsafa_save_summary(uuid, text, integer) TO service_role;
    END IF;
END $$;
