#!/usr/bin/env python3
# domcheck.py — what a browser made of the dashboard: reads the DOM that
# `chromium --dump-dom` printed (stdin) and prints one line per finding:
#   rows N                       rows of the coin table (table#coin-table)
#   row CELL|CELL|...            each of them, its cells' text
#   coin SYM SVGS POLYLINES      per section.coin: charts and lines drawn
#   health TEXT                  the verdict in h2#health
import sys
from html.parser import HTMLParser


class Dom(HTMLParser):
    def __init__(self):
        super().__init__()
        self.in_table = False
        self.rows = 0
        self.cells = []
        self.cell = None
        self.coin = None
        self.coins = []
        self.in_health = False
        self.health = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and a.get("id") == "coin-table":
            self.in_table = True
        elif tag == "tr" and self.in_table and "coin" in a.get("class", "").split():
            self.rows += 1
            self.cells.append([])
        elif tag == "td" and self.in_table and self.cells:
            self.cell = ""
        elif tag == "section" and "coin" in a.get("class", "").split():
            self.coin = [a.get("id", "?").removeprefix("coin-"), 0, 0]
            self.coins.append(self.coin)
        elif tag == "svg" and self.coin:
            self.coin[1] += 1
        elif tag == "polyline" and self.coin:
            self.coin[2] += 1
        elif tag == "h2" and a.get("id") == "health":
            self.in_health = True

    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            self.cells[-1].append(self.cell)
            self.cell = None
        elif tag == "table":
            self.in_table = False
        elif tag == "section":
            self.coin = None
        elif tag == "h2":
            self.in_health = False

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data
        if self.in_health:
            self.health += data


d = Dom()
d.feed(sys.stdin.read())
print("rows", d.rows)
for cells in d.cells:
    print("row", "|".join(cells))
for sym, svgs, lines in d.coins:
    print("coin", sym, svgs, lines)
print("health", " ".join(d.health.split()))
