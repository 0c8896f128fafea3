CREATE TABLE favorites (
    principal  VARCHAR(200) NOT NULL,
    item_id    BIGINT       NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ  NOT NULL DEFAULT now(),
    PRIMARY KEY (principal, item_id)
);

CREATE INDEX favorites_item_idx ON favorites (item_id);

-- The first response to a POST that carried an Idempotency-Key, replayed for retries.
CREATE TABLE idempotency_keys (
    principal      VARCHAR(200) NOT NULL,
    idempotency_key VARCHAR(200) NOT NULL,
    request_digest CHAR(64)     NOT NULL,
    status         INT          NOT NULL,
    location       TEXT,
    content_type   TEXT         NOT NULL,
    body           BYTEA        NOT NULL,
    created_at     TIMESTAMPTZ  NOT NULL DEFAULT now(),
    PRIMARY KEY (principal, idempotency_key)
);

CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
