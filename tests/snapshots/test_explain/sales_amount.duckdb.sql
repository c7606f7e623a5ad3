-- Scorecard 'card' (person), period 2026Q3: values frame frame__card__2026q3

-- Indicator 'sales_amount': sum of amount over orders, status != 'cancelled', ordered_on in 2026Q3, per staff_id
SELECT r.staff_id AS subject_key, sum(CASE WHEN (r.status != 'cancelled' AND r.ordered_on >= '2026-07-01' AND r.ordered_on < '2026-10-01') THEN r.amount END) AS a__sales_amount, count(CASE WHEN (r.status != 'cancelled' AND r.ordered_on >= '2026-07-01' AND r.ordered_on < '2026-10-01') THEN r.amount END) AS n__sales_amount 
FROM orders AS r 
WHERE r.ordered_on >= '2026-07-01' AND r.ordered_on < '2026-10-01' GROUP BY r.staff_id;

-- Targets table for 2026Q3: sales_amount
SELECT tt.subject_kind, tt.subject_id, max(CASE WHEN (tt.indicator = 'sales_amount' AND tt.period = '2026Q3' AND tt.subject_kind = 'person') THEN tt.value END) AS tv__sales_amount 
FROM targets AS tt 
WHERE tt.indicator IN ('sales_amount') AND tt.period IN ('2026Q3') GROUP BY tt.subject_kind, tt.subject_id;

-- Indicator 'sales_amount': sum of amount over orders, status != 'cancelled', ordered_on in 2026Q3, per staff_id
-- Target 'sales_amount': first of overrides → targets table (person, 2026Q3) → default 100
