#!/usr/bin/env python3
"""The chat encoding against DeepSeek's own golden files (tests/model/data/deepseek-v3.2, from the
official model repository's encoding/ folder; its README says where they come from).

What DeepSeek's test_encoding_dsv32.py asserts, run through `envforge model prompt` and
`envforge model parse` (the code `serve` and the embedded policy use):
1. test_input.json (its tools on the system message) renders to test_output.txt byte for byte in
   thinking mode with reasoning dropped before the last user turn. With the tools given as the
   request's `tools` instead (how OpenAI clients send them) the text is the same, and `serve`'s
   default adds only the generation prompt after the final assistant turn.
2. Rendered incrementally, the fourth message (a tool-calling turn) and the eighth (reasoning and
   an answer) parse back into the messages they came from.
3. The search fixture's developer message, which carries its own tools, renders to DeepSeek's text
   up to the generation prompt (the three newlines before "# The user's message is" included).
4. The prompt's token ids put each special token in one id (the ids DeepSeek's README gives).
5. A malformed request is a one-line error, not a crash.

usage: test_deepseek_fixtures.py ENVFORGE DATA_DIR"""
import copy, json, os, subprocess, sys, tempfile

envforge, data = sys.argv[1], sys.argv[2]
work = tempfile.mkdtemp(prefix="envforge-dsfix-")
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def run(args, stdin=None, ok=0):
    r = subprocess.run([envforge, *args], input=stdin, capture_output=True, text=True)
    if r.returncode != ok:
        sys.exit(f"FAIL: envforge {' '.join(args)} -> {r.returncode} (expected {ok})\n{r.stderr}")
    return r


def prompt(request, *flags):
    return run(["model", "prompt", "-", *flags], stdin=json.dumps(request)).stdout


def first_difference(a, b):
    n = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
    return f"at {n}: ours {a[max(0, n - 60):n + 60]!r}\n       theirs {b[max(0, n - 60):n + 60]!r}"


with open(os.path.join(data, "test_input.json"), encoding="utf-8") as f:
    fixture = json.load(f)
with open(os.path.join(data, "test_output.txt"), encoding="utf-8") as f:
    gold = f.read().strip()

# 1. The whole conversation, as DeepSeek's test feeds it (tools on messages[0]).
messages = copy.deepcopy(fixture["messages"])
messages[0]["tools"] = fixture["tools"]
ours = prompt({"messages": messages}, "--no-generation-prompt")
check(ours == gold, f"test_output.txt byte for byte ({len(gold)} characters)" + ("" if ours == gold else "\n  " + first_difference(ours, gold)))
as_request = prompt({"messages": fixture["messages"], "tools": fixture["tools"]}, "--no-generation-prompt")
check(as_request == gold, "request-level tools render the same text")
check(prompt({"messages": messages}) == gold + "<｜Assistant｜><think>", "serve's prompt adds only the generation prompt")
# The blank lines a public copy of encoding_dsv32.py (vLLM's) leaves out are in DeepSeek's output.
check("## Tools\n\nYou have access" in gold and "</｜DSML｜function_calls>\n\nString and scalar" in gold, "the fixture has the blank lines")


# 2. Incremental rendering, then parsing back (DeepSeek's test does this with encode_messages'
# context argument: the message's text is what follows the context's prompt).
def message_text(index):
    before = prompt({"messages": messages[:index]})
    whole = prompt({"messages": messages[:index + 1]}, "--no-generation-prompt")
    check(whole.startswith(before), f"messages[:{index}] is a prefix of messages[:{index + 1}]")
    return whole[len(before):]


def parse(text):
    path = os.path.join(work, "completion.txt")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return json.loads(run(["model", "parse", path]).stdout)


call = parse(message_text(4))
expected = messages[4]
check(call["reasoning_content"] == expected["reasoning_content"] and call["content"] == "", "tool-calling turn: reasoning back, no content")
check([(c["function"]["name"], json.loads(c["function"]["arguments"])) for c in call["tool_calls"]] ==
      [(c["function"]["name"], json.loads(c["function"]["arguments"])) for c in expected["tool_calls"]],
      "tool-calling turn: both calls back with their arguments")
answer = parse(message_text(len(messages) - 6))
expected = messages[-6]
check(answer["reasoning_content"] == expected["reasoning_content"] and answer["content"] == expected["content"] and
      "tool_calls" not in answer, "answer turn: reasoning and content back, no calls")

# 3. The search fixture: one developer message with its own tools.
with open(os.path.join(data, "test_output_search_wo_date.head.txt"), encoding="utf-8") as f:
    head = f.read().rstrip("\n")
functions = head[head.index("<functions>\n") + len("<functions>\n"):head.index("\n</functions>")]
tools = [{"type": "function", "function": json.loads(line)} for line in functions.split("\n")]
question = head[head.index("# The user's message is: ") + len("# The user's message is: "):head.rindex("<｜Assistant｜>")]
developer = prompt({"messages": [{"role": "developer", "content": question, "tools": tools}]})
check(len(tools) == 4 and developer == head, f"developer message with tools, {len(tools)} schemas ({len(head)} characters)" +
      ("" if developer == head else "\n  " + first_difference(developer, head)))

# 4. Token ids: the special tokens are single ids (DeepSeek's README: bos 0, User 128803,
# Assistant 128804, <think> 128798, </think> 128799).
ids = [int(x) for x in prompt({"messages": [{"role": "user", "content": "hello"}]}, "--ids").split(",")]
check(ids[:2] == [0, 128803] and ids[-2:] == [128804, 128798] and len(ids) == 5, f"hello in thinking mode is 0, 128803, hello, 128804, 128798: {ids}")
chat_ids = [int(x) for x in prompt({"messages": [{"role": "user", "content": "hello"}], "thinking": {"type": "disabled"}}, "--ids").split(",")]
check(chat_ids[-1] == 128799, "the request's thinking: disabled ends in </think>")

# 5. Bad input: one line on stderr, exit 2.
for bad, what in [("{", "malformed JSON"), ("[]", "not an object"), ('{"messages": []}', "no messages"),
                  ('{"messages": [{"role": "tool", "content": "x"}]}', "tool message with no call"),
                  ('{"messages": [{"role": "user", "content": "x", "tools": []}]}', "tools on a user message"),
                  ('{"messages": [{"role": "developer", "content": ""}]}', "empty developer message")]:
    r = subprocess.run([envforge, "model", "prompt", "-"], input=bad, capture_output=True, text=True)
    check(r.returncode == 2 and r.stderr.count("\n") == 1 and not r.stdout, f"{what}: exit 2, one line ({r.stderr.strip()})")
r = subprocess.run([envforge, "model", "parse", "-"], input="no think close", capture_output=True, text=True)
check(r.returncode == 1 and json.loads(r.stdout).get("error"), "a completion that does not follow the format: exit 1 with the error")

if failures:
    sys.exit(f"{len(failures)} check(s) failed")
print("all DeepSeek fixture checks passed")
