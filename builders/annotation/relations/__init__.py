"""Relations over the span gold (GUIDELINES.md section 12): which body leads,
supports or is responsible for which task, and which indicator and date each
value belongs to.

Takes: `corpus/<plan>/{units,blocks}.jsonl`, the reviewed span gold and
`builders/config/relations.yaml`. Gives: relation items, rule proposals, the
reviewed relation gold `annotations/relations/<plan>.jsonl`, the blind second
worksheet and agreement. Next: `builders.dataset` (the `tasks` and
`measurements` configs). Offsets are code points, half-open [start, end).

    model      the dataclasses: Role, Task, Measurement, and the config
    items      relation items of a plan: tasks (R1) and value sentences
    propose    the rule proposer (never gold by itself; also the rules baseline)
    store      reading, validating and writing relation gold (errors name file:line)
    second     the blind second-annotation worksheet and reading it back filled
    agreement  agreement per relation type and the adjudication list
    workflow   the round trip over a checkout: worksheets, import, agreement, adjudication, checks
"""
