-- Applied only with `falsafa migrate --rls`, after 0002: the writes a frontend makes with a
-- reader's token (role `authenticated`, `auth.uid()` = the reader), so turning RLS on does not
-- block the frontend's own inserts. The backend itself writes as service_role (bypasses RLS).
GRANT INSERT, UPDATE, DELETE ON public.books, public.chat_sessions TO authenticated;
GRANT UPDATE ON public.characters TO authenticated;
GRANT INSERT, DELETE ON public.messages TO authenticated;

DROP POLICY IF EXISTS falsafa_books_insert_own ON public.books;
CREATE POLICY falsafa_books_insert_own ON public.books FOR INSERT TO authenticated
    WITH CHECK (uploader_id = auth.uid());
DROP POLICY IF EXISTS falsafa_books_update_own ON public.books;
CREATE POLICY falsafa_books_update_own ON public.books FOR UPDATE TO authenticated
    USING (uploader_id = auth.uid()) WITH CHECK (uploader_id = auth.uid());
DROP POLICY IF EXISTS falsafa_books_delete_own ON public.books;
CREATE POLICY falsafa_books_delete_own ON public.books FOR DELETE TO authenticated
    USING (uploader_id = auth.uid());

DROP POLICY IF EXISTS falsafa_characters_update_own_book ON public.characters;
CREATE POLICY falsafa_characters_update_own_book ON public.characters FOR UPDATE TO authenticated
    USING (EXISTS (SELECT 1 FROM public.books b WHERE b.id = characters.book_id AND b.uploader_id = auth.uid()))
    WITH CHECK (EXISTS (SELECT 1 FROM public.books b WHERE b.id = characters.book_id AND b.uploader_id = auth.uid()));

DROP POLICY IF EXISTS falsafa_sessions_insert_own ON public.chat_sessions;
CREATE POLICY falsafa_sessions_insert_own ON public.chat_sessions FOR INSERT TO authenticated
    WITH CHECK (user_id = auth.uid());
DROP POLICY IF EXISTS falsafa_sessions_update_own ON public.chat_sessions;
CREATE POLICY falsafa_sessions_update_own ON public.chat_sessions FOR UPDATE TO authenticated
    USING (user_id = auth.uid()) WITH CHECK (user_id = auth.uid());
DROP POLICY IF EXISTS falsafa_sessions_delete_own ON public.chat_sessions;
CREATE POLICY falsafa_sessions_delete_own ON public.chat_sessions FOR DELETE TO authenticated
    USING (user_id = auth.uid());

DROP POLICY IF EXISTS falsafa_messages_insert_own ON public.messages;
CREATE POLICY falsafa_messages_insert_own ON public.messages FOR INSERT TO authenticated
    WITH CHECK (EXISTS (SELECT 1 FROM public.chat_sessions s
                        WHERE s.id = messages.session_id AND s.user_id = auth.uid()));
DROP POLICY IF EXISTS falsafa_messages_delete_own ON public.messages;
CREATE POLICY falsafa_messages_delete_own ON public.messages FOR DELETE TO authenticated
    USING (EXISTS (SELECT 1 FROM public.chat_sessions s
                   WHERE s.id = messages.session_id AND s.user_id = auth.uid()));
