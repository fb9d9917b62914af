-- cairn's store (SQLite). Times are Unix seconds; Discord ids are signed 64-bit integers.
-- Nothing here holds question text, and no member id is stored with anything a member asked
-- or rated: the only member ids are moderators', in the audit log and on articles they wrote.
CREATE TABLE settings (
    server_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (server_id, name)
);

-- Helpful / not helpful counts per server and article. Server 0 holds the counts imported from
-- data/feedback.json, which had no server.
CREATE TABLE feedback (
    server_id BIGINT NOT NULL,
    article_id TEXT NOT NULL,
    helpful BIGINT NOT NULL DEFAULT 0,
    not_helpful BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (server_id, article_id)
);

-- A server's own articles, in the library's Markdown format (the source of truth for them).
CREATE TABLE articles (
    server_id BIGINT NOT NULL,
    article_id TEXT NOT NULL,
    markdown TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by BIGINT NOT NULL,
    PRIMARY KEY (server_id, article_id)
);

-- Every change a moderator or admin made: who, what, when, and the before/after of edits.
CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    server_id BIGINT NOT NULL,
    actor_id BIGINT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    at BIGINT NOT NULL,
    before_text TEXT,
    after_text TEXT
);
CREATE INDEX audit_by_target ON audit (server_id, target, id);

-- The change feed: every write to `articles` adds a row; each process polls it to refresh its
-- live index, so processes sharing one database agree.
CREATE TABLE article_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    server_id BIGINT NOT NULL,
    article_id TEXT NOT NULL
);

-- One-time facts, such as "feedback.json was imported".
CREATE TABLE meta (
    name TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
