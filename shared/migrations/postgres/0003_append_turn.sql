-- One chat turn, atomically: both messages and the session's count and preview; returns
-- {"session": row, "messages": [user, assistant]}. Called over PostgREST as
-- POST /rest/v1/rpc/falsafa_append_turn by the Supabase adapter (one round trip). It uses the
-- HLD's column names (chat_sessions.id, preview); on an older frontend schema, adapt the two
-- names here (the direct PostgreSQL adapter takes them from configuration).
CREATE OR REPLACE FUNCTION public.falsafa_append_turn(
    p_session_id uuid,
    p_user_message text,
    p_assistant_message text,
    p_metadata jsonb,
    p_preview text
) RETURNS jsonb
LANGUAGE plpgsql SECURITY INVOKER AS $$
DECLARE
    t timestamptz := clock_timestamp();
    sess jsonb;
    msgs jsonb;
BEGIN
    UPDATE public.chat_sessions
    SET message_count = message_count + 2, preview = p_preview, updated_at = now()
    WHERE id = p_session_id
    RETURNING to_jsonb(chat_sessions.*) INTO sess;
    IF sess IS NULL THEN
        RAISE EXCEPTION 'session % not found', p_session_id USING ERRCODE = 'P0002';
    END IF;
    WITH ins AS (
        INSERT INTO public.messages (session_id, role, content, metadata, created_at) VALUES
            (p_session_id, 'user', p_user_message, '{}'::jsonb, t),
            (p_session_id, 'assistant', p_assistant_message, coalesce(p_metadata, '{}'::jsonb), t + interval '1 microsecond')
        RETURNING *
    )
    SELECT jsonb_agg(to_jsonb(ins.*) ORDER BY ins.created_at) INTO msgs FROM ins;
    RETURN jsonb_build_object('session', sess, 'messages', msgs);
END $$;
-- Only the service role may call it (the Supabase roles may not exist on plain PostgreSQL
-- without `--rls`).
REVOKE EXECUTE ON FUNCTION public.falsafa_append_turn(uuid, text, text, jsonb, text) FROM PUBLIC;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN
        REVOKE EXECUTE ON FUNCTION public.falsafa_append_turn(uuid, text, text, jsonb, text) FROM anon, authenticated;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN
        GRANT EXECUTE ON FUNCTION public.falsafa_append_turn(uuid, text, text, jsonb, text) TO service_role;
    END IF;
END $$;
