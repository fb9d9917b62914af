-- Button sessions: the pages of an answer a member was shown, so that "More results" keeps
-- working across a restart and in whichever process gets the press. No question text and no
-- user id: only the answer (articles, excerpts, notices), the server, and when it expires.
CREATE TABLE sessions (
    id BIGINT PRIMARY KEY NOT NULL,
    server_id BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    page_size BIGINT NOT NULL,
    answer TEXT NOT NULL,
    anyway TEXT
);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
