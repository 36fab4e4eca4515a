#!/usr/bin/python3
"""Generates the luatail track deterministically: docs/, examples/, references/, dataset.json.

Run from anywhere with python3 (numpy) and lua5.4 on PATH: /usr/bin/python3 generate.py
The answers are what the Lua references print on the generated inputs (run here with lua5.4, our own code).
"""
import json
import os
import re
import shutil
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from problems import PROBLEMS  # noqa: E402

CASES = 4
CONTEXT = """-- stdin is in `text`; its whitespace-separated tokens, as strings, in `words`.
local text = io.read("a") or ""
local words = {}
for w in text:gmatch("%S+") do words[#words + 1] = w end
[insert]
"""

INSTRUCTIONS = {
    "gpt": "Write the Lua 5.4 code that replaces [insert] in the program above. It must print the answer to standard "
           "output and nothing else. Reply with the code only.",
    "codellama": "[INST] Complete the Lua 5.4 program at [insert]; print only the answer. [/INST]",
    "starchat": "<|user|>Complete the Lua 5.4 program at [insert]; print only the answer.<|end|>",
}

# name -> (regex that finds its use in a reference, page text). Written for this repository, after the behaviour of
# Lua 5.4 (checked with lua5.4 here); not copied from the Lua reference manual.
DOCS = {
    "string.format": (r"string\.format|:format\(", "Formats values into a string, C printf style: `%d` integers, `%5.2f` floats with a precision, `%x` lowercase hexadecimal, `%s` strings, `%q` a quoted Lua literal, `%%` a percent sign. `%d` needs a number with an exact integer representation: `string.format('%d', 3.0)` works, `string.format('%d', 3.5)` raises an error.\n\n```lua\nprint(string.format('%05.1f|%x|%s', 3.14159, 255, 'moon'))  --> 003.1|ff|moon\n```"),
    "string.gmatch": (r"gmatch", "Returns an iterator over the matches of a pattern in a string. With captures, each step yields the captures.\n\n```lua\nfor k, v in ('a=1, b=2'):gmatch('(%w+)=(%w+)') do print(k, v) end\n```\n\nA pattern anchored with `^` is not anchored in `gmatch` in Lua 5.4: `^` matches literally only at the start of the subject's first match."),
    "string.gsub": (r"gsub", "`string.gsub(s, pattern, repl [, n])` returns a copy of `s` where matches are replaced, **and the number of matches** as a second value. `repl` may be a string (`%1` refers to a capture), a table (indexed by the first capture) or a function (called with the captures).\n\nWrap the call in parentheses to keep only the string: `print((s:gsub('a', 'b')))`.\n\n```lua\nlocal s, n = ('hello world'):gsub('o', '0')  --> 'hell0 w0rld', 2\n```"),
    "string.find": (r"find\(", "`string.find(s, pattern [, init [, plain]])` returns the start and end indices (1-based, inclusive) of the first match, plus any captures; `nil` when there is none. Pass `plain = true` to search for a literal substring (then `init` must be given, e.g. 1).\n\n```lua\nprint(('a.b'):find('.', 1, true))  --> 2 2\n```"),
    "string.match": (r"match\(", "`string.match(s, pattern [, init])` returns the captures of the first match (or the whole match when the pattern has none), or `nil`.\n\n```lua\nlocal y, m = ('2024-05'):match('(%d+)-(%d+)')\n```"),
    "string.sub": (r"\bsub\(|string\.sub", "`string.sub(s, i [, j])` returns the substring from `i` to `j` inclusive; negative indices count from the end (`-1` is the last character). Out-of-range indices are clamped, so `s:sub(5, 4)` is the empty string."),
    "string.rep": (r"string\.rep|:rep\(", "`string.rep(s, n [, sep])` returns `n` copies of `s` joined by `sep` (default the empty string). `n <= 0` gives the empty string.\n\n```lua\nprint(string.rep('ab', 3, '-'))  --> ab-ab-ab\n```"),
    "string.reverse": (r"reverse\(", "`string.reverse(s)` returns `s` with its bytes in reverse order (bytes, not UTF-8 characters)."),
    "string.upper": (r"upper\(", "`string.upper(s)` and `string.lower(s)` change the case of ASCII letters (the C locale)."),
    "string.byte": (r"byte\(", "`string.byte(s [, i [, j]])` returns the internal numeric codes of the characters `s[i..j]` (default `i = 1`, `j = i`): several return values. `s:byte(1, -1)` returns all of them; put them in a table with `{s:byte(1, -1)}`."),
    "string.char": (r"string\.char", "`string.char(...)` returns the string whose characters have the given numeric codes: `string.char(76, 117, 97)` is `'Lua'`. Each code must be between 0 and 255."),
    "patterns": (r"%[adlsuwpx]|%S|\[\^?", "Lua patterns are not regular expressions. Character classes: `.` any character, `%a` letters, `%d` digits, `%l` lowercase, `%u` uppercase, `%s` whitespace, `%w` alphanumerics, `%p` punctuation, `%x` hex digits; the uppercase form is the complement (`%S` non-space). Sets `[abc]`, `[^abc]`, ranges `[a-z]`. Repetition: `*` (greedy), `+`, `-` (lazy), `?`. Anchors `^` and `$`. Captures in parentheses; `%b()` matches a balanced pair; `%f[set]` a frontier. Escape magic characters `^$()%.[]*+-?` with `%`."),
    "table.sort": (r"table\.sort", "`table.sort(t [, comp])` sorts the sequence `t` in place, ascending with `<` by default. `comp(a, b)` must return true when `a` must come before `b`, and must be a strict order: `function(a, b) return a >= b end` is invalid and can raise 'invalid order function for sorting'. The sort is not stable.\n\n```lua\ntable.sort(t, function(a, b) return a > b end)  -- descending\n```"),
    "table.concat": (r"table\.concat", "`table.concat(t [, sep [, i [, j]]])` joins the strings or numbers `t[i..j]` with `sep` (default empty). Any other value (a boolean, `nil`, a table) raises an error; numbers are converted as by `tostring`, so `3.0` gives `'3.0'`."),
    "table.insert": (r"table\.insert", "`table.insert(t, v)` appends `v`; `table.insert(t, pos, v)` inserts it at `pos`, shifting the elements after it up. `t[#t + 1] = v` is the common idiom for appending."),
    "table.remove": (r"table\.remove", "`table.remove(t [, pos])` removes and returns `t[pos]` (default the last element), shifting the later elements down. On an empty table it returns `nil`."),
    "table.unpack": (r"table\.unpack|unpack\(", "`table.unpack(t [, i [, j]])` returns `t[i], …, t[j]` as multiple values (default the whole sequence). In Lua 5.4 the global `unpack` of Lua 5.1 does not exist."),
    "math.floor": (r"math\.floor|math\.ceil", "`math.floor(x)` is the largest integral value <= x and `math.ceil(x)` the smallest >= x; both return an **integer** when the result fits in one (`math.floor(3.7)` is `3`, printed `3`, not `3.0`)."),
    "math.tointeger": (r"tointeger", "`math.tointeger(x)` converts `x` to an integer when it has an exact integer representation (`3.0` -> `3`; here, Lua 5.4.4, also the string `'8'` -> `8`), else returns `nil` (`3.5`, `'8.5'`). Older 5.4 releases return `nil` for any string: `math.tointeger(tonumber(s))` works everywhere."),
    "math.max": (r"math\.max|math\.min", "`math.max(x, ...)` and `math.min(x, ...)` return the largest and smallest argument, by `<`. They need at least one argument; `math.max(table.unpack(t))` works for short sequences."),
    "math.sqrt": (r"math\.sqrt|math\.abs", "`math.sqrt(x)` returns the square root as a float (`math.sqrt(4)` is `2.0`); `x ^ 0.5` is the same. `math.abs(x)` keeps integers integers."),
    "math.huge": (r"math\.huge|mininteger|maxinteger", "`math.huge` is the float infinity (`-math.huge` the negative one). `math.maxinteger` and `math.mininteger` are the largest and smallest 64-bit integers; `math.maxinteger + 1 == math.mininteger` (integers wrap around)."),
    "integer-division": (r"//|%", "Lua 5.4 has integers and floats. `//` is floor division: it rounds towards minus infinity (`-7 // 2` is `-4`), and `%` is the matching modulo, with the sign of the divisor (`-7 % 2` is `1`, `7 % -3` is `-2`). `/` always gives a float (`6 / 2` is `3.0`). Integer division by zero raises an error; float division by zero gives `inf` or `nan`."),
    "tonumber": (r"tonumber|tostring", "`tonumber(s [, base])` converts a string to a number (`nil` when it is not one); `'10'` becomes the integer `10`, `'1e2'` the float `100.0`. With a base (2 to 36) the string is an integer numeral in that base: `tonumber('ff', 16)` is `255`. `tostring(v)` converts any value; floats with an integral value print with `.0`."),
    "print": (r"print\(", "`print(...)` writes its arguments converted with `tostring`, **separated by tab characters**, followed by a newline. To control separators, build the string first (`..`, `table.concat`, `string.format`) or use `io.write`, which writes no separator and no newline."),
    "io.read": (r"io\.read", "`io.read(...)` reads from standard input by format: `'l'` a line without its newline (the default), `'L'` with it, `'n'` a number, `'a'` everything that is left (the empty string at end of file, never `nil`), or an integer count of bytes."),
    "io.write": (r"io\.write", "`io.write(...)` writes strings or numbers to standard output, with no separators and no newline."),
    "ipairs": (r"ipairs|pairs", "`ipairs(t)` iterates `1, t[1]`, `2, t[2]`, … until the first `nil`. `pairs(t)` visits every key in an **unspecified order**: sort the keys first when the output order matters."),
    "length-operator": (r"#", "`#t` is the length of a sequence (a table with keys 1..n and no holes) and `#s` the length of a string in bytes. For a table with holes it is any border, not necessarily the last index."),
    "string-concatenation": (r"\.\.", "`a .. b` concatenates strings and numbers (numbers are converted: `1 .. ''` is `'1'`, `1.0 .. ''` is `'1.0'`). `..` binds more loosely than arithmetic: `1 + 2 .. ''` is `'3'`. Building a long string in a loop is quadratic: collect the pieces in a table and `table.concat` them."),
    "and-or": (r"\band\b|\bor\b", "`a and b` is `a` when `a` is false or `nil`, else `b`; `a or b` is `a` unless it is false or `nil`. `cond and x or y` is the conditional expression idiom, but it gives `y` when `x` is false or `nil`. Only `false` and `nil` are false: `0` and `''` are true."),
    "numeric-for": (r"for \w+ = ", "`for i = start, stop [, step] do … end` counts from `start` to `stop` inclusive (step default 1; a negative step counts down). The loop variable is local to the loop; `break` leaves it; Lua 5.4 has `goto continue` with a `::continue::` label for skipping to the next iteration."),
    "while-repeat": (r"while |repeat", "`while cond do … end` tests before each iteration; `repeat … until cond` runs at least once and its condition can see the body's locals."),
    "multiple-assignment": (r"\w+, \w+ = ", "`a, b = b, a` swaps: all expressions on the right are evaluated before any assignment. Extra values are dropped and missing ones are `nil`. A function call in the last position expands to all its results."),
    "functions": (r"function\(", "Functions are values: `function(a, b) return a > b end` is an anonymous function, useful as a comparator or a `gsub` replacement. `...` collects extra arguments; `select('#', ...)` counts them."),
    "utf8": (r"utf8\.", "The `utf8` library handles UTF-8: `utf8.char(...)` builds a string from code points, `utf8.len(s)` counts characters (or returns `nil` and the position of an invalid byte), `utf8.codes(s)` iterates `position, code point`, `utf8.charpattern` matches one UTF-8 character."),
}

DISTRACTORS = {
    "install.md": "# Installing Lua 5.4\n\nOn Debian: `apt-get install lua5.4`; the interpreter is `lua5.4`. `lua5.4 -v` prints the version. Run a script with `lua5.4 main.lua < input.txt`.\n",
    "faq.md": "# FAQ\n\n## Why does `print(1, 2)` print a tab?\nSee `print.md`.\n\n## Why is `#t` wrong for my table?\nThe table has holes; see `length-operator.md`.\n\n## Are strings mutable?\nNo: every string operation returns a new string.\n",
    "changelog.md": "# What changed in Lua 5.4\n\n- Integer for-loops no longer overflow; `//` and `%` keep integers integers.\n- New `<const>` and `<close>` local attributes.\n- A new generational garbage collector mode.\n- `math.tointeger` accepts strings convertible to integers (5.4.4+).\n- `unpack` (5.1) is gone: use `table.unpack`.\n",
    "style.md": "# Lua style notes\n\nUse `local` for every variable: globals are slower and leak between modules. Two-space indentation is common. Prefer `t[#t + 1] = v` over `table.insert(t, v)` in hot loops.\n",
}


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def page(name, text):
    return "# %s\n\n%s\n" % (name, text)


def main():
    for sub in ("docs", "examples", "references"):
        shutil.rmtree(os.path.join(HERE, sub), ignore_errors=True)
    pages = {name + ".md": page(name, text) for name, (_, text) in DOCS.items()}
    pages.update(DISTRACTORS)
    for name, text in pages.items():
        write(os.path.join(HERE, "docs", name), text)

    for i, p in enumerate(PROBLEMS):
        qid = "q%d" % i
        q = os.path.join(HERE, "examples", qid)
        write(os.path.join(q, "example.json"), json.dumps({"problem_description": p["description"], "instructions": INSTRUCTIONS}, indent=2) + "\n")
        write(os.path.join(q, "code_context.txt"), CONTEXT)
        program = CONTEXT.replace("[insert]", p["reference"])
        with open("/tmp/luatail-prog.lua", "w") as f:
            f.write(program)
        # Draw the cases again (next seeds) until they do not all share one answer: a constant print must not pass.
        for attempt in range(50):
            cases = []
            for n in range(1, CASES + 1):
                stdin = p["inputs"](np.random.default_rng(7000 * i + 100 * attempt + n)) + "\n"
                run = subprocess.run(["lua5.4", "/tmp/luatail-prog.lua"], input=stdin.encode(), capture_output=True, check=True)
                answer = run.stdout.decode()
                assert answer.strip(), (qid, "empty answer")
                cases.append((stdin, answer))
            if len({a for _, a in cases}) > 1:
                break
        else:
            raise AssertionError(qid + ": every draw gives one answer for all cases")
        for n, (stdin, answer) in enumerate(cases, 1):
            write(os.path.join(q, "inputs", "input%d.txt" % n), stdin)
            write(os.path.join(q, "ans", "ans%d.txt" % n), answer)
        gold = [name for name, (pattern, _) in DOCS.items() if re.search(pattern, p["reference"])]
        write(os.path.join(q, "documentation.txt"), "".join("Document %d: %s.md\n%s" % (k + 1, g, pages[g + ".md"]) for k, g in enumerate(gold)))
        write(os.path.join(HERE, "references", qid + ".txt"), p["reference"] + "\n")
    write(os.path.join(HERE, "dataset.json"), json.dumps({"name": "luatail", "language": "lua", "layout": "stdin-stdout", "comparison": "exact"}, indent=2) + "\n")
    print("%d docs pages, %d problems" % (len(pages), len(PROBLEMS)))


if __name__ == "__main__":
    main()
