"""The jieba reference baseline: jieba.posseg tags mapped to labels with the
smallest merging rules needed.

jieba mapping, all of it:
  nt -> DEPT, extended left over one preceding 市/省/县/區/区/縣 token;
  t  -> DATE; a 4-digit m token followed by a token starting with 年 (年, 年底)
        is a DATE too, and a t token right after 年 joins it;
  m  -> VALUE when a run of m tokens is followed by a q token or % (which
        join it), or carries a unit jieba glued on (6.7万立方米, 10个: any
        character besides digits and numerals); a date is not a VALUE, and a
        bare numeral run (十三五) is not either.
  jieba has no tag for indicators, so this baseline never predicts INDICATOR.
"""

from __future__ import annotations

import re

YEAR = re.compile(r"^(19|20)\d\d$")


DEPT_PREFIXES = {"市", "省", "县", "縣", "区", "區"}


NUMERAL_ONLY = re.compile(r"[0-9.一二三四五六七八九十百千零〇两兩]")


def jieba_spans(text: str) -> list[tuple[int, int, str]]:
    import jieba
    import jieba.posseg as pseg

    jieba.setLogLevel(60)
    tokens, offset = [], 0
    for pair in pseg.cut(text):
        tokens.append((offset, offset + len(pair.word), pair.word, pair.flag))
        offset += len(pair.word)
    spans: list[tuple[int, int, str]] = []
    index = 0
    while index < len(tokens):
        start, end, word, flag = tokens[index]
        if flag == "nt":
            if index > 0 and tokens[index - 1][2] in DEPT_PREFIXES and (not spans or spans[-1][1] <= tokens[index - 1][0]):
                start = tokens[index - 1][0]
            spans.append((start, end, "DEPT"))
        elif flag == "t":
            spans.append((start, end, "DATE"))
        elif flag == "m" and YEAR.match(word) and index + 1 < len(tokens) and tokens[index + 1][2].startswith("年"):
            end = tokens[index + 1][1]
            index += 1
            if index + 1 < len(tokens) and tokens[index + 1][3] == "t":
                end = tokens[index + 1][1]
                index += 1
            spans.append((start, end, "DATE"))
        elif flag == "m":
            run_end = index
            while run_end + 1 < len(tokens) and tokens[run_end + 1][3] == "m":
                run_end += 1
            end = tokens[run_end][1]
            following = tokens[run_end + 1] if run_end + 1 < len(tokens) else None
            if following and (following[3] == "q" or following[2] in ("%", "％")):
                spans.append((start, following[1], "VALUE"))
                index = run_end + 1
            elif NUMERAL_ONLY.sub("", "".join(t[2] for t in tokens[index : run_end + 1])):
                spans.append((start, end, "VALUE"))
                index = run_end
            else:
                index = run_end
        index += 1
    return spans


def jieba_model():
    return jieba_spans

