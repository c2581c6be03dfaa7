"""Stage 2, the annotations.

Takes: `corpus/` and the files under `annotations/`. Gives: reviewed gold per
unit (`annotations/gold/<plan>.jsonl`), worksheets, agreement figures, the
audit and `annotations/README.md`. Next: `builders.dataset`.

    labels      the label set and `Span` (code points, half-open)
    prelabel    the rule pre-annotator (also the `rules` baseline)
    gold        gold files, their mechanical checks, the review record
    worksheets  the worksheet round trip: units out, reviewed gold in
    agreement   inter-annotator agreement
    audit       the consistency audit
    stats       statistics over annotations
    report      validation, agreement, audit and README over annotations/
"""
