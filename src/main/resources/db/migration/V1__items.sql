CREATE TABLE items (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sku         VARCHAR(64)  NOT NULL,
    name        VARCHAR(200) NOT NULL,
    description TEXT         NOT NULL DEFAULT '',
    category    VARCHAR(64)  NOT NULL,
    price_cents BIGINT       NOT NULL CHECK (price_cents >= 0),
    created_at  TIMESTAMPTZ  NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ  NOT NULL DEFAULT now(),
    CONSTRAINT items_sku_key UNIQUE (sku)
);

-- Keyset pages: every sort is (sort key, id), usually within one category.
CREATE INDEX items_category_id_idx ON items (category, id);
CREATE INDEX items_category_price_idx ON items (category, price_cents, id);
CREATE INDEX items_category_created_idx ON items (category, created_at, id);
CREATE INDEX items_name_idx ON items (name, id);
CREATE INDEX items_price_idx ON items (price_cents, id);
CREATE INDEX items_created_idx ON items (created_at, id);
