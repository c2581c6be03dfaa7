"""What the spans mean (GUIDELINES.md section 11): each VALUE, DATE and DEPT
span normalised to fields a table can join on.

Takes: the reviewed span gold, `corpus/<plan>/units.jsonl`, the manifest
(city, province, issue date) and the curated tables under
`annotations/normalization/` with `builders/config/normalization.yaml`.
Gives: proposals (never gold by themselves), the reviewed normalised gold
`annotations/normalized/<plan>.jsonl`, the blind second worksheet, agreement
per field, and the issues report. Next: `builders.dataset` (the `normalized`
struct of every entity, the `departments` config). Offsets are code points,
half-open [start, end).

    model        the fields (lo, hi, unit, bound, date_from, date_to, canonical,
                 dept_id), a proposal with its reason code, comparison rules
    tables       the curated YAML tables and settings, checked (file:line errors)
    numbers      numerals: Arabic, Chinese (cn2an), fractions, scale words
    values       VALUE -> lo, hi, unit, bound (bound words and comparators)
    dates        DATE -> date_from, date_to (years, months, days, plan periods)
    departments  DEPT -> canonical name and id (alias table + jurisdiction):
                 `normalize_dept(text, plan)`
    second       the blind second worksheet, reading it back, agreement
    workflow     the round trip over a checkout: propose, import, agreement
"""
