#!/usr/bin/env python3
"""Writes the tokenizer test corpus: length-prefixed documents (u32 little-endian length, bytes)
covering English prose, code, Chinese, Japanese, Korean and other scripts, numbers, emoji
sequences, odd whitespace, special-token strings and invalid UTF-8. Deterministic.

usage: tokenizer_corpus.py SOURCE_ROOT OUT_FILE [MIN_BYTES]"""
import os, random, struct, sys

root, out = sys.argv[1], sys.argv[2]
min_bytes = int(sys.argv[3]) if len(sys.argv) > 3 else 200_000
rng = random.Random(20261130)
docs = []

# Prose and code from this repository (markdown, C++, Python, shell).
files = []
for d, _, names in os.walk(root):
    if any(part in d for part in ("/build", "/.git", "node_modules", "/third_party")):
        continue
    for n in sorted(names):
        if n.endswith((".md", ".cpp", ".hpp", ".py", ".sh", ".build", ".mjs")):
            files.append(os.path.join(d, n))
files.sort()
for f in files:
    data = open(f, "rb").read()
    for i in range(0, len(data), 3000):
        docs.append(data[i:i + 3000])

def u(s):
    return s.encode("utf-8")

common_zh = "的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自之年过发后作里用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理心她本前开但因只从想实日军者意无力它与长把机十民第公此已工使情明性知全三又关点正业外将两高间由问很最重并物手应战向头文体政美相见被利什二等产或新己制身果加西斯月话合回特代内信表化老给世位次度门任常先海通教儿原东声提立及比员解水名真论处走义各入几口认条平系气题活尔更别打女变四神总何电数安少报才结反受目太量再感建务做接必场件计管期市直德资命山金指克许统区保至队形社便空决治展马科司五基眼书非则听白却界达光放强即像难且权思王象完设式色路记南品住告类求据程北边死张该交规万取拉格望觉术领共确传师观清今切院让识候带导争运笑飞风步改收根干造言联持组每济车亲极林服快办议往元英士证近失转夫令准布始怎呢存未远叫台单影具罗字爱击流备兵连调深商算质团集百需价花党华城石级整府离况亚请技际约示复病息究线似官火断精满支视消越器容照须九增研写称企八功吗包片史委乎查轻易早曾除农找装广显吧阿李标谈吃图念六引历首医局突专费号尽另周较注语仅考落青随选列武红响虽推势参希古众构房半节土投某案黑维革划敌致陈律足态护七兴派孩验责营星够章音跟志底站严巴例防族供效续施留讲型料终答紧黄绝奇察母京段依批群项故按河米围江织害斗双境客纪采举杀攻父苏密低朝友诉止细愿千值仍男钱破网热助倒育属坐帝限船脸职速刻乐否刚威毛状率甚独球般普怕弹校苦创假久错承印晚兰试股拿脑预谁益阳若哪微尼继送急血惊伤素药适波夜省初喜卫源食险待述陆习置居劳财环排福纳欢雷警获模充负云停木游龙树疑层冷洲冲射略范竟句室异激汉村哈策演简卡罪判担州静退既衣您宗积余痛检差富灵协角占配征修皮挥胜降阶审沉坚善妈刘读啊超免压银买皇养伊怀执副乱抗犯追帮宣佛岁航优怪香著田铁控税左右份穿艺背阵草脚概恶块顿敢守酒岛托央户烈洋哥索胡款靠评版宝座释景顾弟登货互付伯慢欧换闻危忙核暗姐介坏讨丽良序升监临亮露永呼味野架域沙掉括舰鱼杂误湖钟"
punct_zh = "，。！？；：、“”‘’（）《》——……"
for _ in range(60):
    s = "".join(rng.choice(common_zh) if rng.random() > 0.12 else rng.choice(punct_zh) for _ in range(rng.randint(20, 400)))
    docs.append(u(s))
docs.append(u("深度求索发布了DeepSeek-V3.2模型，它引入了稀疏注意力机制（DSA），在长上下文场景下大幅降低了推理成本。2025年12月1日发布。"))
docs.append(u("東京は日本の首都です。ひらがな、カタカナ、漢字を使います。ｶﾀｶﾅ（半角）も。서울은 한국의 수도입니다. Москва — столица России. مرحبا بالعالم. שלום עולם. नमस्ते दुनिया. ελληνικά."))
docs.append(u("Combining: e\u0301 n\u0303 a\u0308\u0304 Zalgo: Z\u0351\u0364\u0348a\u0350l\u0357g\u0315o. Ligatures: ﬁ ﬂ. Fullwidth: ＡＢＣ１２３！"))

# Numbers.
for _ in range(40):
    parts = []
    for _ in range(rng.randint(5, 30)):
        k = rng.random()
        if k < 0.25: parts.append(str(rng.randint(0, 10 ** rng.randint(1, 15))))
        elif k < 0.45: parts.append(f"{rng.uniform(-1e6, 1e6):.{rng.randint(0, 8)}f}")
        elif k < 0.55: parts.append(f"{rng.uniform(0, 1):.3e}")
        elif k < 0.65: parts.append(f"{rng.randint(1, 999)},{rng.randint(0, 999):03d},{rng.randint(0, 999):03d}.{rng.randint(0, 99):02d}")
        elif k < 0.75: parts.append(f"{rng.randint(1900, 2100)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}Z")
        elif k < 0.85: parts.append(f"+1 ({rng.randint(200, 999)}) {rng.randint(100, 999)}-{rng.randint(1000, 9999)}")
        else: parts.append("0x%X" % rng.getrandbits(32))
    docs.append(u(" ".join(parts)))
docs.append(u("١٢٣٤ ۱۲۳ 一二三 ²³ ½ ⅓ Ⅻ ① 𝟙𝟚𝟛"))

# Emoji: single, skin tones, ZWJ families, flags, keycaps, variation selectors.
emoji = ["😀", "🎉", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇯🇵", "🇺🇸", "1️⃣", "#️⃣", "❤️", "✈️", "🧑🏿‍💻", "🫠", "🐉", "☃", "⚽"]
for _ in range(30):
    docs.append(u(" ".join("".join(rng.choice(emoji) for _ in range(rng.randint(1, 4))) + rng.choice(["", " ok", "!", "文字"]) for _ in range(rng.randint(3, 20)))))

# Odd whitespace.
ws = [" ", "  ", "\t", "\n", "\r\n", "\n\n\n", "\u00a0", "\u3000", "\u2028", "\u2029", "\u0085", "\u200b", "\ufeff", "\u2009", "\x0b", "\x0c", " \n ", "\t\t "]
words = ["alpha", "beta", "gamma", "δ", "中文", "123", "x=1;", "(a)", "—", "...", "it's", "we'll", "I'M"]
for _ in range(60):
    docs.append(u("".join(rng.choice(words) + rng.choice(ws) for _ in range(rng.randint(5, 60)))))
docs.append(u("   leading and trailing   "))
docs.append(u("\n\n\nonly newlines\n\n\n"))
docs.append(u(" " * 300 + "x" + "\t" * 50))

# Special-token strings inside text, partial ones, and DSML markup.
specials = ["<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", "<｜User｜>", "<｜Assistant｜>", "<think>", "</think>", "<｜▁pad▁｜>",
            "<｜tool▁calls▁begin｜>", "<｜Us", "<｜User", "<th", "｜DSML｜", "<｜place▁holder▁no▁5｜>"]
for _ in range(40):
    docs.append(u("".join(rng.choice(specials + words + [" ", "\n"]) for _ in range(rng.randint(5, 40)))))
docs.append(u('<｜User｜>Weather in Tokyo?<｜Assistant｜></think>\n\n<｜DSML｜function_calls>\n<｜DSML｜invoke name="get_weather">\n'
              '<｜DSML｜parameter name="city" string="true">Tokyo</｜DSML｜parameter>\n</｜DSML｜invoke>\n</｜DSML｜function_calls><｜end▁of▁sentence｜>'))

# Invalid UTF-8: stray continuation bytes, truncated sequences, overlongs, surrogates, > U+10FFFF.
bad = [b"\x80", b"\xbf", b"\xc0\x80", b"\xc1\xbf", b"\xe0\x80\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xf5\x80", b"\xff",
       b"\xe4\xbd", b"\xf0\x9f\x98", b"\xc3", b"\xe2\x82"]
for _ in range(40):
    docs.append(b"".join(rng.choice(bad) if rng.random() < 0.3 else rng.choice(words).encode() for _ in range(rng.randint(3, 30))))
docs.append(bytes(range(256)))
docs.append(b"")

total = sum(len(d) for d in docs)
i = 0
while total < min_bytes:  # top up with more code if the repository is small
    docs.append(docs[i % len(docs)])
    total += len(docs[-1])
    i += 1
with open(out, "wb") as f:
    for d in docs:
        f.write(struct.pack("<I", len(d)))
        f.write(d)
print(f"{len(docs)} documents, {total} bytes")
