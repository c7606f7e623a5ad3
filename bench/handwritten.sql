-- Hand-written DuckDB SQL for the account-manager KPIs of 2026Q3 and per-client RFM.
--
-- What an analyst fluent in SQL would write for rules/account-manager-quarterly.yaml
-- and the RFM parts of rules/client-scorecard.yaml.  Every ratio is rounded once,
-- half up, with exact integer arithmetic (money in cents), so the values can be
-- compared exactly with the engine's.  Statements are separated by lines holding
-- only two semicolons (bench/handwritten.py runs them in order, timed).

CREATE OR REPLACE TEMP MACRO rq(a, b, p) AS
    CASE WHEN b = 0 THEN NULL
         ELSE sign(a) * sign(b) * ((2 * abs(a) * (10 ** p)::BIGINT + abs(b)) // (2 * abs(b)))
    END;;

CREATE OR REPLACE TEMP TABLE hand_staff AS
WITH am AS (
    SELECT staff_id FROM staff
    WHERE role = 'account_manager'
      AND (hired_on IS NULL OR hired_on < DATE '2026-10-01')
      AND (left_on IS NULL OR left_on >= DATE '2026-07-01')
),
owner_of AS (SELECT customer_id, owner_id FROM customers),
cust AS (
    SELECT owner_id AS staff_id,
        count(*) FILTER (acquired_on >= DATE '2026-07-01' AND acquired_on < DATE '2026-10-01') AS new_customers,
        count(*) FILTER (acquired_on < DATE '2026-07-01'
                         AND (churned_on IS NULL OR churned_on >= DATE '2026-07-01')) AS at_start,
        count(*) FILTER (acquired_on < DATE '2026-10-01'
                         AND (churned_on IS NULL OR churned_on >= DATE '2026-10-01')) AS at_end,
        count(*) FILTER (churned_on >= DATE '2026-07-01' AND churned_on < DATE '2026-10-01') AS churned,
        count(*) FILTER (acquired_on < DATE '2026-10-01'
                         AND (churned_on IS NULL OR churned_on >= DATE '2026-10-01')
                         AND referred_by IS NOT NULL) AS referred,
        sum(coalesce(churned_on, DATE '2026-10-01') - acquired_on)
            FILTER (acquired_on < DATE '2026-10-01') AS lifetime_days,
        count(*) FILTER (acquired_on < DATE '2026-10-01') AS lifetime_n,
        coalesce(sum(CAST(coalesce(acquisition_cost, 0) * 100 AS BIGINT))
            FILTER (acquired_on >= DATE '2026-07-01' AND acquired_on < DATE '2026-10-01'), 0) AS spend_cents
    FROM customers GROUP BY owner_id
),
sales AS (
    SELECT staff_id,
        sum(CAST(amount * 100 AS BIGINT)) FILTER (status <> 'cancelled'
            AND ordered_on >= DATE '2026-07-01' AND ordered_on < DATE '2026-10-01') AS sales_cents,
        count(DISTINCT customer_id) FILTER (status <> 'cancelled'
            AND ordered_on >= DATE '2026-07-01' AND ordered_on < DATE '2026-10-01') AS served,
        sum(CAST((amount - coalesce(cost, 0)) * 100 AS BIGINT)) FILTER (status = 'delivered'
            AND delivered_on >= DATE '2026-07-01' AND delivered_on < DATE '2026-10-01') AS net_cents
    FROM orders
    WHERE ordered_on >= DATE '2026-07-01' OR delivered_on >= DATE '2026-07-01'
    GROUP BY staff_id
),
kept AS (  -- open or delivered orders of the last four quarters
    SELECT o.staff_id, o.customer_id, c.owner_id, CAST(o.amount * 100 AS BIGINT) AS cents
    FROM orders o LEFT JOIN owner_of c USING (customer_id)
    WHERE o.status IN ('open', 'delivered')
      AND o.ordered_on >= DATE '2025-10-01' AND o.ordered_on < DATE '2026-10-01'
),
repeat AS (
    SELECT staff_id, count(*) FILTER (n >= 2) AS repeaters, count(*) AS buyers
    FROM (SELECT staff_id, customer_id, count(*) AS n FROM kept GROUP BY ALL) GROUP BY staff_id
),
per_owner AS (
    SELECT owner_id AS staff_id, sum(n) AS purchases, count(*) AS buyers,
           sum(cents) AS kept_cents
    FROM (SELECT owner_id, customer_id, count(*) AS n, sum(cents) AS cents FROM kept GROUP BY ALL)
    GROUP BY owner_id
),
csat AS (
    SELECT c.owner_id AS staff_id, sum(s.satisfaction) AS total, count(*) AS n
    FROM surveys s JOIN owner_of c USING (customer_id)
    WHERE s.satisfaction IS NOT NULL
      AND s.answered_on >= DATE '2026-07-01' AND s.answered_on < DATE '2026-10-01'
    GROUP BY c.owner_id
),
complaints AS (
    SELECT c.owner_id AS staff_id, count(*) AS complaints
    FROM tickets t JOIN owner_of c USING (customer_id)
    WHERE t.is_complaint
      AND t.opened_at >= TIMESTAMP '2026-06-30 16:00:00' AND t.opened_at < TIMESTAMP '2026-09-30 16:00:00'
    GROUP BY c.owner_id
),
renewals AS (
    SELECT staff_id, count(renewed_on) AS renewed, count(*) AS due
    FROM contracts WHERE ends_on >= DATE '2026-07-01' AND ends_on < DATE '2026-10-01'
    GROUP BY staff_id
),
touches AS (
    SELECT staff_id, count(*) AS interactions FROM interactions
    WHERE occurred_at >= TIMESTAMP '2026-06-30 16:00:00' AND occurred_at < TIMESTAMP '2026-09-30 16:00:00'
    GROUP BY staff_id
),
ratings_q AS (
    SELECT staff_id,
        sum(CAST(score * 10000 AS BIGINT)) FILTER (criterion = 'conduct') AS conduct_e4,
        count(score) FILTER (criterion = 'conduct') AS conduct_n,
        sum(CAST(score * 10000 AS BIGINT)) FILTER (criterion = 'ability') AS ability_e4,
        count(score) FILTER (criterion = 'ability') AS ability_n,
        sum(CAST(score * 10000 AS BIGINT)) FILTER (criterion = 'diligence') AS diligence_e4,
        count(score) FILTER (criterion = 'diligence') AS diligence_n,
        sum(CAST(score * 10000 AS BIGINT)) FILTER (criterion = 'results') AS results_e4,
        count(score) FILTER (criterion = 'results') AS results_n
    FROM ratings WHERE period = '2026Q3' GROUP BY staff_id
),
targets_q AS (
    SELECT subject_id AS staff_id, CAST(round(max(value) * 100) AS BIGINT) AS target_cents
    FROM targets
    WHERE subject_kind = 'person' AND indicator = 'sales_amount' AND period = '2026Q3'
    GROUP BY subject_id
),
base AS (  -- rounded base values, integers at their declared places
    SELECT am.staff_id,
        coalesce(cust.new_customers, 0) AS new_customers,
        coalesce(cust.at_start, 0) AS at_start,
        coalesce(cust.at_end, 0) AS at_end,
        coalesce(cust.churned, 0) AS churned,
        coalesce(sales.sales_cents, 0) AS sales_cents,
        coalesce(targets_q.target_cents, 60000000) AS target_cents,
        coalesce(sales.served, 0) AS served,
        rq(repeat.repeaters, repeat.buyers, 4) AS repeat_e4,
        coalesce(sales.net_cents, 0) AS net_cents,
        rq(per_owner.kept_cents, per_owner.purchases, 0) AS avg_purchase_cents,
        rq(per_owner.purchases, per_owner.buyers, 2) AS frequency_e2,
        rq(cust.lifetime_days, cust.lifetime_n * 365, 2) AS lifetime_e2,
        coalesce(cust.spend_cents, 0) AS spend_cents,
        rq(csat.total, csat.n, 2) AS csat_e2,
        coalesce(complaints.complaints, 0) AS complaints,
        rq(renewals.renewed, renewals.due, 4) AS renewal_e4,
        rq(cust.referred, cust.at_end, 4) AS referral_e4,
        coalesce(touches.interactions, 0) AS interactions,
        rq(ratings_q.conduct_e4, ratings_q.conduct_n * 100, 0) AS conduct_e2,
        rq(ratings_q.ability_e4, ratings_q.ability_n * 100, 0) AS ability_e2,
        rq(ratings_q.diligence_e4, ratings_q.diligence_n * 100, 0) AS diligence_e2,
        rq(ratings_q.results_e4, ratings_q.results_n * 100, 0) AS results_e2
    FROM am
    LEFT JOIN cust USING (staff_id) LEFT JOIN sales USING (staff_id)
    LEFT JOIN repeat USING (staff_id) LEFT JOIN per_owner USING (staff_id)
    LEFT JOIN csat USING (staff_id) LEFT JOIN complaints USING (staff_id)
    LEFT JOIN renewals USING (staff_id) LEFT JOIN touches USING (staff_id)
    LEFT JOIN ratings_q USING (staff_id) LEFT JOIN targets_q USING (staff_id)
),
derived AS (
    SELECT *,
        rq(spend_cents, new_customers, 0) AS cac_cents,
        -- clv = avg purchase × frequency × lifetime − cac, in units of 10^-6
        rq(avg_purchase_cents * frequency_e2 * lifetime_e2
           - rq(spend_cents, new_customers, 0) * 10000, 1000000, 2) AS clv_e2
    FROM base
)
SELECT staff_id,
    new_customers, at_start AS customers_at_start, at_end AS customers_at_end,
    churned AS churned_customers,
    rq(at_end - new_customers, at_start, 4) / 1e4 AS retention_rate,
    rq(churned, at_start, 4) / 1e4 AS churn_rate,
    sales_cents / 1e2 AS sales_amount,
    rq(sales_cents, target_cents, 4) / 1e4 AS sales_attainment,
    served AS customers_served,
    repeat_e4 / 1e4 AS repeat_purchase_rate,
    net_cents / 1e2 AS customer_net_value,
    avg_purchase_cents / 1e2 AS avg_purchase,
    frequency_e2 / 1e2 AS purchase_frequency,
    lifetime_e2 / 1e2 AS customer_lifetime_years,
    spend_cents / 1e2 AS acquisition_spend,
    cac_cents / 1e2 AS cac,
    clv_e2 / 1e2 AS clv,
    rq(clv_e2, cac_cents, 4) / 1e4 AS clv_cac,
    csat_e2 / 1e2 AS csat,
    complaints,
    CASE WHEN served = 0 THEN 0 ELSE rq(complaints, served, 4) / 1e4 END AS complaint_rate,
    renewal_e4 / 1e4 AS renewal_rate,
    referral_e4 / 1e4 AS referral_rate,
    interactions,
    rq(interactions, at_end, 2) / 1e2 AS engagement,
    conduct_e2 / 1e2 AS conduct, ability_e2 / 1e2 AS ability,
    diligence_e2 / 1e2 AS diligence, results_e2 / 1e2 AS results
FROM derived;;

CREATE OR REPLACE TEMP TABLE hand_rfm AS
WITH alive AS (
    SELECT customer_id FROM customers
    WHERE acquired_on < DATE '2026-10-01' AND (churned_on IS NULL OR churned_on >= DATE '2026-07-01')
),
rfm AS (
    SELECT customer_id,
        DATE '2026-10-01' - max(ordered_on) FILTER (status IN ('open', 'delivered')) AS recency,
        count(*) FILTER (status IN ('open', 'delivered') AND ordered_on >= DATE '2025-10-01') AS frequency,
        sum(CAST(amount * 100 AS BIGINT)) FILTER (status <> 'cancelled' AND ordered_on >= DATE '2025-10-01') AS monetary_cents
    FROM orders WHERE ordered_on < DATE '2026-10-01'
    GROUP BY customer_id
)
SELECT alive.customer_id, rfm.recency AS rfm_recency,
    coalesce(rfm.frequency, 0) AS rfm_frequency,
    coalesce(rfm.monetary_cents, 0) / 1e2 AS rfm_monetary
FROM alive LEFT JOIN rfm USING (customer_id)
