-- 001_init: the recorder's schema: every fill exactly once, the latest state and the history of every order,
-- the last event applied per source (for exactly-once delivery from the venue workers' journals), and the
-- reporting views.
--
-- Applied by the recorder at start (lib/db db_migrate: one transaction, recorded in schema_migrations); written
-- to be idempotent on its own as well (IF NOT EXISTS / OR REPLACE), so running it twice by hand is harmless.
-- Money and quantities are NUMERIC (exact); times are timestamptz (UTC); venue payloads are JSONB.

-- Order of progress of an order status: a state with a lower rank never replaces one with a higher rank.
-- PENDING_UNKNOWN (outcome not known yet) is below everything real; final states are on top.
CREATE OR REPLACE FUNCTION xr_status_rank(status text) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE status
    WHEN 'PENDING_UNKNOWN' THEN 0
    WHEN 'UNTRIGGERED' THEN 1
    WHEN 'NEW' THEN 2
    WHEN 'PARTIALLY_FILLED' THEN 3
    WHEN 'FILLED' THEN 4
    WHEN 'CANCELED' THEN 4
    WHEN 'REJECTED' THEN 4
    WHEN 'EXPIRED' THEN 4
    ELSE 0 END::smallint
$$;

-- Epoch milliseconds (the wire's time unit) to timestamptz, exactly; 0 (unknown) becomes NULL.
CREATE OR REPLACE FUNCTION xr_ms_ts(ms bigint) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN ms IS NULL OR ms = 0 THEN NULL
              ELSE timestamptz 'epoch' + ms * interval '1 millisecond' END
$$;

-- Venue JSON as JSONB when it parses, else kept as text inside {"unparsed": ...}; NULL stays NULL. Used only on
-- the slow path (a batch refused by the fast path is retried event by event with this).
CREATE OR REPLACE FUNCTION xr_jsonb(t text) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  IF t IS NULL OR t = '' THEN
    RETURN NULL;
  END IF;
  RETURN t::jsonb;
EXCEPTION WHEN others THEN
  RETURN jsonb_build_object('unparsed', t);
END
$$;

-- One row per fill. The key is the venue's own trade id within the venue and account, so a fill delivered twice
-- (replay, two workers) is stored once (ON CONFLICT DO NOTHING).
CREATE TABLE IF NOT EXISTS trades (
  venue            text        NOT NULL,
  account          text        NOT NULL,
  trade_id         text        NOT NULL,
  order_id         text        NOT NULL,
  client_order_id  text,
  symbol           text        NOT NULL,
  side             text        NOT NULL CHECK (side IN ('BUY', 'SELL')),
  order_type       text,
  quantity         numeric     NOT NULL,
  price            numeric     NOT NULL,
  fee              numeric     NOT NULL DEFAULT 0,
  fee_asset        text,
  realized_pnl     numeric     NOT NULL DEFAULT 0,
  liquidity        text        CHECK (liquidity IN ('MAKER', 'TAKER')),
  executed_at      timestamptz NOT NULL,
  recorded_at      timestamptz NOT NULL DEFAULT now(),
  source           text,        -- event source (worker instance) that delivered it first
  seq              bigint,      -- that event's sequence number
  metadata         jsonb       NOT NULL DEFAULT '{}'::jsonb,  -- the order's metadata (e.g. a bot id)
  raw              jsonb,       -- the venue's payload
  CONSTRAINT trades_fill_key PRIMARY KEY (venue, account, trade_id)
);
CREATE INDEX IF NOT EXISTS trades_symbol_time ON trades (symbol, executed_at);

-- Latest known state of every order that has a venue order id (orders still without one, e.g. PENDING_UNKNOWN
-- before the venue answered, are only in order_events). Updated only forward: see xr_status_rank and the
-- recorder's upsert condition (status rank, then filled quantity, then updated_at, then seq).
CREATE TABLE IF NOT EXISTS orders (
  venue            text        NOT NULL,
  account          text        NOT NULL,
  order_id         text        NOT NULL,
  client_order_id  text,
  symbol           text        NOT NULL,
  side             text        NOT NULL,
  order_type       text,
  time_in_force    text,
  quantity         numeric     NOT NULL,
  filled_quantity  numeric     NOT NULL DEFAULT 0,
  price            numeric,
  average_price    numeric,
  stop_price       numeric,
  reduce_only      boolean     NOT NULL DEFAULT false,
  status           text        NOT NULL,
  status_rank      smallint    NOT NULL,
  created_at       timestamptz,
  updated_at       timestamptz,
  recorded_at      timestamptz NOT NULL DEFAULT now(),
  source           text,
  seq              bigint,
  raw              jsonb,
  CONSTRAINT orders_key PRIMARY KEY (venue, account, order_id)
);
CREATE INDEX IF NOT EXISTS orders_open ON orders (venue, account, symbol) WHERE status_rank < 4;

-- Every order update received, in arrival order per source; (source, seq) identifies an event.
CREATE TABLE IF NOT EXISTS order_events (
  source           text        NOT NULL,
  seq              bigint      NOT NULL,
  venue            text        NOT NULL,
  account          text        NOT NULL,
  order_id         text        NOT NULL,  -- '' while the venue has not assigned one
  client_order_id  text,
  symbol           text        NOT NULL,
  status           text        NOT NULL,
  filled_quantity  numeric     NOT NULL,
  average_price    numeric,
  price            numeric,
  quantity         numeric     NOT NULL,
  updated_at       timestamptz,
  recorded_at      timestamptz NOT NULL DEFAULT now(),
  raw              jsonb,
  CONSTRAINT order_events_key PRIMARY KEY (source, seq)
);
CREATE INDEX IF NOT EXISTS order_events_order ON order_events (venue, account, order_id);

-- Highest sequence number applied per event source, written in the same transaction as the rows it covers:
-- after a crash the recorder resumes from here and asks the source to replay anything later.
CREATE TABLE IF NOT EXISTS event_sources (
  source      text        PRIMARY KEY,
  last_seq    bigint      NOT NULL CHECK (last_seq >= 0),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Events that could not be stored even one by one (data PostgreSQL refuses): kept with the reason so that
-- nothing disappears silently and the source's sequence can still advance.
CREATE TABLE IF NOT EXISTS event_rejects (
  source       text        NOT NULL,
  seq          bigint      NOT NULL,
  type         text        NOT NULL,
  error        text        NOT NULL,
  summary      text,
  recorded_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT event_rejects_key PRIMARY KEY (source, seq)
);

-- Reporting views (UTC days).
CREATE OR REPLACE VIEW fills_by_symbol_day AS
SELECT venue, account, symbol, (executed_at AT TIME ZONE 'UTC')::date AS day,
       count(*) AS fills,
       coalesce(sum(quantity) FILTER (WHERE side = 'BUY'), 0) AS buy_quantity,
       coalesce(sum(quantity) FILTER (WHERE side = 'SELL'), 0) AS sell_quantity,
       sum(quantity * price) AS notional
FROM trades
GROUP BY venue, account, symbol, (executed_at AT TIME ZONE 'UTC')::date;

CREATE OR REPLACE VIEW fees_by_day AS
SELECT venue, account, coalesce(fee_asset, '') AS fee_asset, (executed_at AT TIME ZONE 'UTC')::date AS day,
       count(*) AS fills, sum(fee) AS fees
FROM trades
GROUP BY venue, account, coalesce(fee_asset, ''), (executed_at AT TIME ZONE 'UTC')::date;

CREATE OR REPLACE VIEW realized_pnl_by_day AS
SELECT venue, account, symbol, (executed_at AT TIME ZONE 'UTC')::date AS day, sum(realized_pnl) AS realized_pnl
FROM trades
GROUP BY venue, account, symbol, (executed_at AT TIME ZONE 'UTC')::date;

CREATE OR REPLACE VIEW open_orders AS
SELECT venue, account, order_id, client_order_id, symbol, side, order_type, time_in_force, quantity,
       filled_quantity, price, average_price, stop_price, reduce_only, status, created_at, updated_at
FROM orders
WHERE status IN ('NEW', 'PARTIALLY_FILLED', 'UNTRIGGERED', 'PENDING_UNKNOWN');
