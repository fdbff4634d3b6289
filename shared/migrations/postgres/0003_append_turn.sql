-- One chat turn, atomically: both messages and the session's count and preview. Called over
-- PostgREST as POST /rest/v1/rpc/falsafa_append_turn by the Supabase adapter; the direct
-- PostgreSQL adapter runs the same statements in a transaction.
CREATE OR REPLACE FUNCTION public.falsafa_append_turn(
    p_session_id uuid,
    p_user_message text,
    p_assistant_message text,
    p_metadata jsonb,
    p_preview text
) RETURNS SETOF public.chat_sessions
LANGUAGE plpgsql SECURITY INVOKER AS $$
DECLARE
    t timestamptz := clock_timestamp();
BEGIN
    INSERT INTO public.messages (session_id, role, content, metadata, created_at) VALUES
        (p_session_id, 'user', p_user_message, '{}'::jsonb, t),
        (p_session_id, 'assistant', p_assistant_message, coalesce(p_metadata, '{}'::jsonb), t + interval '1 microsecond');
    RETURN QUERY
        UPDATE public.chat_sessions
        SET message_count = message_count + 2, preview = p_preview, updated_at = now()
        WHERE id = p_session_id
        RETURNING *;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'session % not found', p_session_id USING ERRCODE = 'P0002';
    END IF;
END $$;
REVOKE EXECUTE ON FUNCTION public.falsafa_append_turn(uuid, text, text, jsonb, text) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.falsafa_append_turn(uuid, text, text, jsonb, text) TO service_role;
