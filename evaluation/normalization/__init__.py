"""Scoring normalisation (GUIDELINES.md section 11): what VALUE, DATE and DEPT
spans mean, against the reviewed normalised gold in annotations/normalized/.

Takes the gold records and a system's normalised spans; gives figures per
label and field, given the gold spans and end to end, as a result record.
The stages, like a span scorer's:

    loaders     gold records and predictions as `NormSpan`s (a predictions
                file, or the rules baseline: pre-annotator + normaliser)
    matching    predictions paired with gold spans by exact offsets and label
    strategies  VALUE exact per field, DATE exact and overlapping interval,
                DEPT same-body pairs and canonical name, end-to-end counts
    report      the figures with bootstrap intervals, the record, the table

Offsets are document-level Unicode code points, half-open [start, end).
"""
