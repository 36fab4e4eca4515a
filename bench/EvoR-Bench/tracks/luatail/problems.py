"""Track 2's problems: (description, input maker rng -> stdin text, Lua 5.4 reference that prints the answer).

The program starts with `text` (all of stdin) and `words` (its whitespace-separated tokens, as strings).
"""


def nums(r, n=8, lo=-50, hi=50):
    return " ".join(str(int(x)) for x in r.integers(lo, hi, n))


def pos(r, n=8, lo=1, hi=60):
    return " ".join(str(int(x)) for x in r.integers(lo, hi, n))


def word_list(r, n=6):
    pool = ["lua", "moon", "table", "meta", "string", "coroutine", "closure", "upvalue", "integer", "float", "nil",
            "pairs", "goto", "utf8", "pattern", "gsub", "vararg", "chunk", "module", "require"]
    return " ".join(r.choice(pool, n))


def sentence(r):
    return word_list(r, int(r.integers(4, 9)))


def P(description, inputs, reference):
    return dict(description=description, inputs=inputs, reference=reference)


PROBLEMS = [
    P("Print the sum of the integers in `words`.", nums, "local s = 0\nfor _, w in ipairs(words) do s = s + math.tointeger(w) end\nprint(s)"),
    P("Print the largest integer in `words`.", nums, "local m = math.mininteger\nfor _, w in ipairs(words) do m = math.max(m, tonumber(w)) end\nprint(m)"),
    P("Print the smallest integer in `words`.", nums, "local m = math.maxinteger\nfor _, w in ipairs(words) do m = math.min(m, tonumber(w)) end\nprint(m)"),
    P("Print the integers of `words` sorted ascending, separated by single spaces.", nums,
      "local t = {}\nfor i, w in ipairs(words) do t[i] = tonumber(w) end\ntable.sort(t)\nprint(table.concat(t, ' '))"),
    P("Print the integers of `words` sorted descending, separated by single spaces.", nums,
      "local t = {}\nfor i, w in ipairs(words) do t[i] = tonumber(w) end\ntable.sort(t, function(a, b) return a > b end)\nprint(table.concat(t, ' '))"),
    P("Print the mean of the integers in `words` with exactly 3 decimals.", nums,
      "local s = 0\nfor _, w in ipairs(words) do s = s + tonumber(w) end\nprint(string.format('%.3f', s / #words))"),
    P("Print how many integers in `words` are even.", nums,
      "local c = 0\nfor _, w in ipairs(words) do if tonumber(w) % 2 == 0 then c = c + 1 end end\nprint(c)"),
    P("Print the product of the positive integers in `words`.", lambda r: pos(r, 6, 1, 9),
      "local p = 1\nfor _, w in ipairs(words) do p = p * math.tointeger(w) end\nprint(p)"),
    P("Print the integers of `words` in reverse order, separated by commas (no spaces).", nums,
      "local t = {}\nfor i = #words, 1, -1 do t[#t + 1] = words[i] end\nprint(table.concat(t, ','))"),
    P("Print the running totals of the integers in `words`, one per line.", nums,
      "local s = 0\nfor _, w in ipairs(words) do s = s + tonumber(w); print(s) end"),
    P("`words` holds integers a and b. Print a // b (floor division) and a % b (Lua's modulo), on one line separated by a space.",
      lambda r: "%d %d" % (int(r.integers(-100, 100)), int(r.choice([-7, -3, 3, 5, 7]))),
      "local a, b = math.tointeger(words[1]), math.tointeger(words[2])\nprint(a // b .. ' ' .. a % b)"),
    P("`words` holds one integer n. Print n! (n factorial).", lambda r: str(int(r.integers(0, 20))),
      "local n, f = math.tointeger(words[1]), 1\nfor i = 2, n do f = f * i end\nprint(f)"),
    P("`words` holds one integer n. Print the n-th Fibonacci number (F(0) = 0, F(1) = 1).", lambda r: str(int(r.integers(0, 80))),
      "local n = math.tointeger(words[1])\nlocal a, b = 0, 1\nfor _ = 1, n do a, b = b, a + b end\nprint(a)"),
    P("`words` holds two positive integers. Print their greatest common divisor.", lambda r: "%d %d" % tuple(int(x) for x in r.integers(1, 10000, 2)),
      "local a, b = math.tointeger(words[1]), math.tointeger(words[2])\nwhile b ~= 0 do a, b = b, a % b end\nprint(a)"),
    P("`words` holds one integer n >= 2. Print 'true' if n is prime, else 'false'.", lambda r: str(int(r.integers(2, 2000))),
      "local n = math.tointeger(words[1])\nlocal p = true\nfor d = 2, math.floor(math.sqrt(n)) do if n % d == 0 then p = false; break end end\nprint(p)"),
    P("`words` holds one integer n. Print every prime up to n, separated by spaces.", lambda r: str(int(r.integers(10, 120))),
      "local n = math.tointeger(words[1])\nlocal out = {}\nfor k = 2, n do\n  local p = true\n  for d = 2, math.floor(math.sqrt(k)) do if k % d == 0 then p = false; break end end\n  if p then out[#out + 1] = k end\nend\nprint(table.concat(out, ' '))"),
    P("`words` holds one non-negative integer. Print it in binary (no leading zeros; 0 prints 0).", lambda r: str(int(r.integers(0, 5000))),
      "local n = math.tointeger(words[1])\nif n == 0 then print(0) else\n  local d = {}\n  while n > 0 do table.insert(d, 1, n % 2); n = n // 2 end\n  print(table.concat(d))\nend"),
    P("`words` holds one non-negative integer. Print it in lowercase hexadecimal.", lambda r: str(int(r.integers(0, 10 ** 9))),
      "print(string.format('%x', math.tointeger(words[1])))"),
    P("`words` holds one non-negative integer. Print the sum of its decimal digits.", lambda r: str(int(r.integers(0, 10 ** 12))),
      "local s = 0\nfor c in words[1]:gmatch('%d') do s = s + tonumber(c) end\nprint(s)"),
    P("`words` holds a float x. Print the square root of |x| with 4 decimals.", lambda r: "%.3f" % r.uniform(-1000, 1000),
      "print(string.format('%.4f', math.sqrt(math.abs(tonumber(words[1])))))"),
    P("`words` holds a float x. Print math.floor(x) and math.ceil(x) separated by a space.", lambda r: "%.2f" % r.uniform(-100, 100),
      "local x = tonumber(words[1])\nprint(math.floor(x) .. ' ' .. math.ceil(x))"),
    P("`words` holds integers; print how many distinct values there are.", lambda r: pos(r, 12, 1, 8),
      "local seen, c = {}, 0\nfor _, w in ipairs(words) do if not seen[w] then seen[w] = true; c = c + 1 end end\nprint(c)"),
    P("`words` holds integers; print the distinct values in order of first appearance, separated by spaces.", lambda r: pos(r, 12, 1, 8),
      "local seen, out = {}, {}\nfor _, w in ipairs(words) do if not seen[w] then seen[w] = true; out[#out + 1] = w end end\nprint(table.concat(out, ' '))"),
    P("`words` holds integers; print the value occurring most often (the smallest such value on ties).", lambda r: pos(r, 12, 1, 6),
      "local c = {}\nfor _, w in ipairs(words) do local v = tonumber(w); c[v] = (c[v] or 0) + 1 end\nlocal best, bc = nil, -1\nfor v, n in pairs(c) do if n > bc or (n == bc and v < best) then best, bc = v, n end end\nprint(best)"),
    P("`words` holds integers; print the second largest distinct value.", lambda r: pos(r, 10, 1, 30),
      "local s = {}\nfor _, w in ipairs(words) do s[tonumber(w)] = true end\nlocal t = {}\nfor v in pairs(s) do t[#t + 1] = v end\ntable.sort(t)\nprint(t[#t - 1])"),
    P("`words` holds integers; print the median (the mean of the two middle values for an even count, with 1 decimal).", lambda r: nums(r, int(r.integers(5, 9))),
      "local t = {}\nfor i, w in ipairs(words) do t[i] = tonumber(w) end\ntable.sort(t)\nlocal n = #t\nif n % 2 == 1 then print(string.format('%.1f', t[(n + 1) // 2])) else print(string.format('%.1f', (t[n // 2] + t[n // 2 + 1]) / 2)) end"),
    P("`words` holds integers; print the maximum sum of a contiguous non-empty run of them.", nums,
      "local best, cur = -math.huge, 0\nfor _, w in ipairs(words) do local v = tonumber(w); cur = math.max(v, cur + v); best = math.max(best, cur) end\nprint(math.tointeger(best))"),
    P("`words` holds integers; print the length of the longest strictly increasing contiguous run.", nums,
      "local best, cur = 1, 1\nfor i = 2, #words do if tonumber(words[i]) > tonumber(words[i - 1]) then cur = cur + 1 else cur = 1 end; best = math.max(best, cur) end\nprint(best)"),
    P("Print `text` with every word reversed, words kept in order and separated by single spaces.", sentence,
      "local t = {}\nfor _, w in ipairs(words) do t[#t + 1] = w:reverse() end\nprint(table.concat(t, ' '))"),
    P("Print the words of `text` in reverse order, separated by single spaces.", sentence,
      "local t = {}\nfor i = #words, 1, -1 do t[#t + 1] = words[i] end\nprint(table.concat(t, ' '))"),
    P("Print `text`'s words in uppercase, separated by single spaces.", sentence,
      "local t = {}\nfor i, w in ipairs(words) do t[i] = w:upper() end\nprint(table.concat(t, ' '))"),
    P("Print each word of `text` with its first letter capitalised, separated by single spaces.", sentence,
      "local t = {}\nfor i, w in ipairs(words) do t[i] = w:sub(1, 1):upper() .. w:sub(2) end\nprint(table.concat(t, ' '))"),
    P("Print the number of vowels (a, e, i, o, u) in `text`.", sentence,
      "local _, n = text:gsub('[aeiou]', '')\nprint(n)"),
    P("Print the longest word of `text` (the first one on ties).", sentence,
      "local best = ''\nfor _, w in ipairs(words) do if #w > #best then best = w end end\nprint(best)"),
    P("Print the words of `text` sorted alphabetically, separated by single spaces.", sentence,
      "local t = {}\nfor i, w in ipairs(words) do t[i] = w end\ntable.sort(t)\nprint(table.concat(t, ' '))"),
    P("Print each distinct word of `text` with its count as `word=count`, one per line, words in alphabetical order.", sentence,
      "local c, keys = {}, {}\nfor _, w in ipairs(words) do if not c[w] then keys[#keys + 1] = w end; c[w] = (c[w] or 0) + 1 end\ntable.sort(keys)\nfor _, k in ipairs(keys) do print(k .. '=' .. c[k]) end"),
    P("`words` holds one word. Print 'yes' if it reads the same backwards, else 'no'.", lambda r: r.choice(["level", "lua", "racecar", "moon", "noon", "abcba", "table", "stats"]),
      "local w = words[1]\nprint(w == w:reverse() and 'yes' or 'no')"),
    P("Print `text` with every run of whitespace replaced by a single underscore, trimmed at both ends.", lambda r: "  " + "   ".join(sentence(r).split()) + " \t",
      "local s = text:gsub('^%s+', ''):gsub('%s+$', '')\nprint((s:gsub('%s+', '_')))"),
    P("`words` holds one word. Print the character codes of its letters, separated by spaces.", lambda r: r.choice(["lua", "moon", "Ab", "zeta", "q"]),
      "print(table.concat({words[1]:byte(1, -1)}, ' '))"),
    P("`words` holds integers between 97 and 122. Print the string whose characters have those codes.", lambda r: " ".join(str(int(x)) for x in r.integers(97, 123, 6)),
      "local t = {}\nfor i, w in ipairs(words) do t[i] = tonumber(w) end\nprint(string.char(table.unpack(t)))"),
    P("`words` holds a word and an integer k. Apply a Caesar shift of k to the lowercase word and print it.", lambda r: "%s %d" % (r.choice(["lua", "zebra", "moon", "xyz"]), int(r.integers(1, 26))),
      "local k = tonumber(words[2])\nprint((words[1]:gsub('%l', function(c) return string.char((c:byte() - 97 + k) % 26 + 97) end)))"),
    P("`words` holds a word and an integer n. Print the word repeated n times, separated by '-'.", lambda r: "%s %d" % (r.choice(["ab", "lua", "x"]), int(r.integers(1, 6))),
      "print(string.rep(words[1], tonumber(words[2]), '-'))"),
    P("Print the position (1-based) of the first occurrence of the word 'lua' as a substring of `text`, or 0 when absent.", lambda r: sentence(r).replace(" ", ""),
      "print(text:find('lua', 1, true) or 0)"),
    P("Print how many times the letter 'o' occurs in `text`.", sentence,
      "local _, n = text:gsub('o', 'o')\nprint(n)"),
    P("`words` holds a date as YYYY-MM-DD. Print it as DD/MM/YYYY.", lambda r: "%04d-%02d-%02d" % (int(r.integers(1990, 2030)), int(r.integers(1, 13)), int(r.integers(1, 29))),
      "local y, m, d = words[1]:match('(%d+)-(%d+)-(%d+)')\nprint(d .. '/' .. m .. '/' .. y)"),
    P("`words` holds a year. Print 'leap' if it is a leap year in the Gregorian calendar, else 'common'.", lambda r: str(int(r.choice([1900, 2000, 2004, 2023, 2024, 2100, 1996, 2001]))),
      "local y = math.tointeger(words[1])\nprint(((y % 4 == 0 and y % 100 ~= 0) or y % 400 == 0) and 'leap' or 'common')"),
    P("`words` holds a number of seconds. Print it as H:MM:SS.", lambda r: str(int(r.integers(0, 100000))),
      "local s = math.tointeger(words[1])\nprint(string.format('%d:%02d:%02d', s // 3600, s // 60 % 60, s % 60))"),
    P("`words` holds an integer n. Print an n-line right triangle of '*' (line i has i stars).", lambda r: str(int(r.integers(1, 7))),
      "for i = 1, tonumber(words[1]) do print(string.rep('*', i)) end"),
    P("`words` holds integers r and c then r*c integers (a matrix, row by row). Print its transpose, rows on lines, values separated by spaces.",
      lambda r: (lambda rows, cols: "%d %d\n" % (rows, cols) + "\n".join(" ".join(str(int(v)) for v in r.integers(0, 9, cols)) for _ in range(rows)))(int(r.integers(1, 4)), int(r.integers(1, 4))),
      "local rows, cols = tonumber(words[1]), tonumber(words[2])\nfor j = 1, cols do\n  local t = {}\n  for i = 1, rows do t[i] = words[2 + (i - 1) * cols + j] end\n  print(table.concat(t, ' '))\nend"),
    P("`words` holds an integer n then n integers. Print the sum of the n integers that follow, then the count of the remaining tokens, on two lines.",
      lambda r: (lambda n: "%d %s %s" % (n, nums(r, n), nums(r, int(r.integers(0, 4)))))(int(r.integers(1, 6))),
      "local n = tonumber(words[1])\nlocal s = 0\nfor i = 2, n + 1 do s = s + tonumber(words[i]) end\nprint(s)\nprint(#words - n - 1)"),
    P("`words` holds a string of brackets ()[]{}; print 'balanced' if they nest correctly, else 'unbalanced'.", lambda r: r.choice(["([]{})", "(]", "{[()()]}", "((", "[{]}", "()[]{}"]),
      "local st, ok = {}, true\nlocal pair = {[')'] = '(', [']'] = '[', ['}'] = '{'}\nfor c in words[1]:gmatch('.') do\n  if pair[c] then if table.remove(st) ~= pair[c] then ok = false; break end else st[#st + 1] = c end\nend\nprint((ok and #st == 0) and 'balanced' or 'unbalanced')"),
    P("`words` holds a word made of letters. Print its run-length encoding (e.g. aaab -> a3b1).", lambda r: "".join(r.choice(list("aab"), int(r.integers(3, 10)))),
      "local out, s = {}, words[1]\nlocal i = 1\nwhile i <= #s do\n  local c = s:sub(i, i)\n  local j = i\n  while s:sub(j + 1, j + 1) == c do j = j + 1 end\n  out[#out + 1] = c .. (j - i + 1)\n  i = j + 1\nend\nprint(table.concat(out))"),
    P("`words` holds integers; print the number of pairs i < j with words[i] + words[j] == 10.", lambda r: pos(r, 10, 0, 11),
      "local c = 0\nfor i = 1, #words do for j = i + 1, #words do if tonumber(words[i]) + tonumber(words[j]) == 10 then c = c + 1 end end end\nprint(c)"),
    P("`words` holds integers; print them as Lua would format a table literal: {a, b, c} (values separated by ', ').", nums,
      "print('{' .. table.concat(words, ', ') .. '}')"),
]
