# ruff: noqa: E501  (a catalogue: long sentences; the width of Chinese text counts twice)
"""The report's words in every language: one catalogue, keyed by the English text.

The report's code writes English (``t("Rating items")``, ``t("{n} of {m} paths", n=2, m=5)``);
:func:`t` looks the text up in the catalogue of the report's language (set for the duration
of a build by :func:`use`) and fills the fields. Table headers and row labels from the
library's tables (``est``, ``ci_lower``, ``share not loyal``) go through :func:`label`;
figure texts through :func:`label` as well. English is the default; ``"zh"`` is Simplified
Chinese. Adding a language is adding a dictionary to :data:`CATALOGUES`.

Examples
--------
>>> from acsi.report import i18n
>>> with i18n.use("zh"):
...     i18n.t("Rating items"), i18n.label("mean")
('评分题项', '均值')
>>> i18n.t("Rating items")
'Rating items'
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

__all__ = ["LANGUAGES", "CATALOGUES", "LABELS", "t", "label", "use", "current", "check_lang"]

#: Languages of the report: code -> name.
LANGUAGES = {"en": "English", "zh": "简体中文 (Simplified Chinese)"}

_LANG: contextvars.ContextVar[str] = contextvars.ContextVar("acsi_report_lang", default="en")


def check_lang(lang: Any) -> str:
    """``"en"`` or ``"zh"`` (case-insensitive; ``zh-CN``/``zh_cn`` accepted)."""
    from acsi._validation import check_choice

    if isinstance(lang, str) and lang.lower().replace("_", "-") in ("zh-cn", "zh-hans", "cn"):
        lang = "zh"
    return str(check_choice(lang, tuple(LANGUAGES), "lang"))


def current() -> str:
    """The language of the report being built."""
    return _LANG.get()


@contextlib.contextmanager
def use(lang: str) -> Iterator[None]:
    """Build in ``lang`` inside the block."""
    token = _LANG.set(check_lang(lang))
    try:
        yield
    finally:
        _LANG.reset(token)


def t(text: str, /, **fields: Any) -> str:
    """``text`` in the current language, with ``{fields}`` filled in.

    A text missing from the catalogue stays English (``tests/test_i18n.py`` checks that every
    text of the report has its translation).
    """
    lang = _LANG.get()
    out = text if lang == "en" else CATALOGUES[lang].get(text, text)
    return out.format(**fields) if fields else out


def label(name: Any) -> Any:
    """A table header, row label or figure text in the current language (unknown names, such
    as item and construct names, are returned unchanged)."""
    lang = _LANG.get()
    if lang == "en" or not isinstance(name, str):
        return name
    if name in LABELS[lang]:
        return LABELS[lang][name]
    for prefix, translated in PREFIXES[lang].items():  # "Importance-performance map: Loyalty"
        if name.startswith(prefix):
            return translated + name[len(prefix):]
    return name


# --------------------------------------------------------------------------- Simplified Chinese
# Sentences and headings of the report (keys: the English text written in the code).

ZH: dict[str, str] = {
    # page, overview, headings
    "Customer satisfaction and loyalty report": "顾客满意度与忠诚度报告",
    "acsi report": "acsi 报告",
    "Overview": "概览",
    "Key findings": "主要发现",
    "Sample profile and usage": "样本概况与使用情况",
    "Rating items": "评分题项",
    "Reliability and validity": "信度与效度",
    "Structural model": "结构模型",
    "Model fit": "模型拟合",
    "ACSI index and importance-performance map": "ACSI 指数与重要性-绩效图",
    "ACSI index": "ACSI 指数",
    "From satisfaction to loyalty": "从满意到忠诚",
    "Segments": "细分群体比较",
    "Limitations": "局限性",
    "Method notes": "方法说明",
    "What was analysed": "分析内容",
    "data": "数据",
    "user data": "用户数据",
    "respondents": "受访者",
    "{rows} rows; {n} used by the model": "共 {rows} 行；模型使用 {n} 行",
    "method": "方法",
    "constructs": "构念",
    "paths": "路径",
    "none (measurement model only)": "无（仅测量模型）",
    "{c} ({k} items)": "{c}（{k} 个题项）",
    "{c} (1 item)": "{c}（1 个题项）",
    "rating scales": "评分量表",
    "significance": "显著性",
    "bootstrap, {n} resamples, seed {seed}": "自助法，{n} 次重抽样，种子 {seed}",
    "none (bootstrap 0)": "无（自助法次数为 0）",
    "Warnings while analysing:": "分析过程中的警告：",
    "Made with acsi {version}. All figures are embedded; this file needs no network.":
        "由 acsi {version} 生成。所有图表均已嵌入，本文件无需网络即可打开。",
    "PLS path modelling": "PLS 路径建模",
    "CB-SEM, maximum likelihood": "协方差结构方程模型（CB-SEM），最大似然",
    "CB-SEM, robust ML (MLR)": "协方差结构方程模型（CB-SEM），稳健最大似然（MLR）",
    # scales
    "scale inferred from the data: {s}": "量表由数据推断：{s}",
    "scale declared: {s}": "量表由用户指定：{s}",
    "scale declared for the item: {s}": "该题项的量表由用户指定：{s}",
    "scale from the file's value labels: {s}": "量表取自文件的值标签：{s}",
    "{s} (continuous score)": "{s}（连续得分）",
    "{items}: {desc}": "{items}：{desc}",
    "Scales were inferred from the answers (the observed lowest and highest answers, snapped to the "
    "nearest common scale). If a scale is wrong, declare it ({flag}, {arg}, or per item in the item map, "
    "e.g. {example}): the index, the boxes and the thresholds depend on it.":
        "量表由回答推断（观测到的最低与最高回答，归入最接近的常用量表）。若量表有误，请明确指定"
        "（{flag}、{arg}，或在题项映射中逐项指定，例如 {example}）："
        "指数、箱型比例和阈值都依赖于量表。",
    # key findings
    "{c} index: <b>{v:.1f}</b> of 100{ci}": "{c} 指数：<b>{v:.1f}</b>（满分 100）{ci}",
    " (95% CI {lo:.1f} to {hi:.1f})": "（95% 置信区间 {lo:.1f} 至 {hi:.1f}）",
    "Strongest driver of {t}: <b>{s}</b> (path {b:.2f}); weakest: <b>{w}</b> (path {c:.2f}).":
        "{t} 最强的驱动因素：<b>{s}</b>（路径系数 {b:.2f}）；最弱：<b>{w}</b>（路径系数 {c:.2f}）。",
    "Only driver of {t}: <b>{s}</b> (path {b:.2f}).": "{t} 唯一的驱动因素：<b>{s}</b>（路径系数 {b:.2f}）。",
    "<b>{k} of {n}</b> satisfied respondents ({p:.0f}%) are not loyal ({defs}).":
        "<b>{n} 位满意的受访者中有 {k} 位</b>（{p:.0f}%）不忠诚（{defs}）。",
    "No respondent is satisfied ({defs}): the satisfied-but-not-loyal share is undefined.":
        "没有受访者满意（{defs}）：“满意但不忠诚”的比例无定义。",
    "Sample size: with n = {n}, a path as weak as {b:.2f} is detected with 80% power (5% level); "
    "weaker paths (f² below {f2:.3f}) may be missed; {k} of {m} paths here had less than 80% power.":
        "样本量：n = {n} 时，可以 80% 的检验力（5% 显著性水平）检测到弱至 {b:.2f} 的路径；"
        "更弱的路径（f² 小于 {f2:.3f}）可能检测不到；本模型 {m} 条路径中有 {k} 条的检验力低于 80%。",
    "Sample size: n = {n}. The model has no structural paths, so no path power is computed.":
        "样本量：n = {n}。模型没有结构路径，因此不计算路径的检验力。",
    "satisfied: mean of {sat} at least {s:g} on {ssc}; loyal: mean of {loy} at least {l:g} on {lsc}":
        "满意：{sat} 的均值不低于 {s:g}（量表 {ssc}）；忠诚：{loy} 的均值不低于 {l:g}（量表 {lsc}）",
    "The index is undefined for {c}: see the index section.": "{c} 的指数无定义：见指数部分。",
    "Measurement model only: reliability and validity are reported; there is no structural part.":
        "仅测量模型：报告信度与效度，没有结构部分。",
    # profile
    "Counts and shares of each profile and usage question, with Wilson 95% confidence intervals of the shares.":
        "各概况与使用情况问题的人数和比例，以及比例的 Wilson 95% 置信区间。",
    "Multiple-choice questions": "多选题",
    "share of respondents choosing each option": "选择各选项的受访者比例",
    "Not tabulated (more than {k} distinct answers, e.g. identifiers or free text): {cols}.":
        "未列表（不同回答超过 {k} 个，例如编号或开放文本）：{cols}。",
    "The data hold no categorical profile questions.": "数据中没有分类的概况问题。",
    # items
    "Answers per item on its scale {s} (left: low, right: high).": "各题项在其量表 {s} 上的回答分布（左：低，右：高）。",
    "Counts per answer range (scale {s})": "各回答区间的人数（量表 {s}）",
    "Item statistics: every answer available for each item (n answers, missing); top / bottom box: "
    "the highest / lowest {k} point(s) of the item's scale": "题项统计：每个题项使用其全部可用回答（n 为回答数，另列缺失数）；"
                                                              "顶部 / 底部箱：该题项量表最高 / 最低的 {k} 个点",
    "Item statistics: every answer available for each item (n answers, missing); top / bottom box: "
    "answers in the top / bottom fifth of the score's range": "题项统计：每个题项使用其全部可用回答（n 为回答数，另列缺失数）；"
                                                               "顶部 / 底部箱：得分位于范围最高 / 最低五分之一的回答",
    "Pooling all {n} answers of {items}: <b>{a:.0f}%</b> in the upper part of the scale ({up}), "
    "<b>{d:.0f}%</b> in the lower part ({low}), the rest at the midpoint.":
        "汇总 {items} 的全部 {n} 个回答：<b>{a:.0f}%</b> 位于量表上部（{up}），<b>{d:.0f}%</b> 位于下部（{low}），其余位于中点。",
    "Pooled mean of all {n} answers of {items}: {m:.2f} (scale midpoint {mid:g}).":
        "{items} 全部 {n} 个回答的汇总均值：{m:.2f}（量表中点 {mid:g}）。",
    # measurement
    "Internal consistency should reach 0.7 (Cronbach's alpha, omega, rho_A, rho_C; Nunnally and Bernstein "
    "1994) and the average variance extracted (AVE) 0.5 (Fornell and Larcker 1981). Single-item constructs "
    "have reliability 1 by definition (their measurement error cannot be estimated); omega needs at least "
    "three items.":
        "内部一致性应达到 0.7（Cronbach's alpha、omega、rho_A、rho_C；Nunnally 与 Bernstein 1994），"
        "平均提取方差（AVE）应达到 0.5（Fornell 与 Larcker 1981）。单题项构念的信度按定义为 1"
        "（其测量误差无法估计）；omega 至少需要三个题项。",
    "Reliability and convergent validity": "信度与收敛效度",
    "Reliability per construct: dashed line 0.7, dotted line 0.5 (AVE).": "各构念的信度：虚线为 0.7，点线为 0.5（AVE）。",
    "Loadings": "因子载荷",
    "Indicator loadings; hatched bars fall below 0.708 (less than half of the item's variance explained).":
        "指标载荷；带阴影的条形低于 0.708（解释的题项方差不足一半）。",
    "Discriminant validity (HTMT)": "区分效度（HTMT）",
    "Heterotrait-monotrait ratios below 0.85 (0.90 for conceptually close constructs) support discriminant "
    "validity (Henseler, Ringle and Sarstedt 2015).":
        "异质-单质比率（HTMT）低于 0.85（概念相近的构念为 0.90）支持区分效度（Henseler、Ringle 与 Sarstedt 2015）。",
    "HTMT at or above 0.85: {pairs}.": "HTMT 不低于 0.85：{pairs}。",
    "HTMT with bootstrap percentile intervals ({n} resamples): an upper limit below 0.85 (or 1) supports "
    "discriminant validity": "HTMT 及自助法百分位区间（{n} 次重抽样）：上限低于 0.85（或 1）支持区分效度",
    "Fornell-Larcker: diagonal sqrt(AVE), off-diagonal construct correlations":
        "Fornell-Larcker 准则：对角线为 AVE 的平方根，非对角线为构念间相关",
    # structural
    "Structural model: path coefficients with significance stars from {how}; R² inside the endogenous "
    "constructs; dashed arrows are not significant at 5%.":
        "结构模型：路径系数及显著性星号（依据{how}）；内生构念内标注 R²；虚线箭头在 5% 水平不显著。",
    "no significance test (bootstrap off)": "无显著性检验（未进行自助法）",
    "bootstrap p-values ({n} resamples)": "自助法 p 值（{n} 次重抽样）",
    "z tests": "z 检验",
    "Path coefficients": "路径系数",
    "Path coefficients (standardized)": "路径系数（标准化）",
    "Path coefficients (standardized: std_all)": "路径系数（标准化：std_all）",
    "Explained variance (R²) of the endogenous constructs": "内生构念的解释方差（R²）",
    "Direct, indirect and total effects": "直接、间接与总效应",
    # fit
    "PLS path modelling maximises explained variance and has no likelihood, so there is no chi-square test "
    "of the model and the CB-SEM fit indices do not apply (Hair et al. 2017). Judge the model by the "
    "reliability and validity above, the R² and the significance of the paths; estimate the same model with "
    "<code>--method ml</code> for a test of fit.":
        "PLS 路径建模以最大化解释方差为目标，没有似然函数，因此没有模型的卡方检验，CB-SEM 的拟合指数也不适用"
        "（Hair 等 2017）。请依据上面的信度与效度、R² 以及路径的显著性评价模型；如需拟合检验，请用 "
        "<code>--method ml</code> 估计同一模型。",
    "chi-square": "卡方",
    "chi-square (scaled)": "卡方（校正）",
    "{chisq:.3f} on {df:.0f} df, p = {p:.3f}": "{chisq:.3f}，自由度 {df:.0f}，p = {p:.3f}",
    "smaller is better": "越小越好",
    "measure": "指标",
    "value": "数值",
    "usual cut-off": "常用临界值",
    "meets": "达标",
    "misses": "未达标",
    "Fit measures against Hu and Bentler (1999) cut-offs": "拟合指标与 Hu 和 Bentler（1999）临界值的比较",
    "Cut-offs are conventions derived for ML with moderate samples; with small samples RMSEA is inflated and "
    "its interval wide.": "这些临界值是针对中等样本的最大似然估计得出的惯例；小样本时 RMSEA 偏高且区间较宽。",
    "Where the model misfits": "模型哪里拟合不佳",
    "Modification indices and residuals are not available for this fit: {why}": "此模型无法给出修正指数和残差：{why}",
    "Modification indices estimate how much the chi-square would drop if a fixed or omitted parameter were freed "
    "(1 df: above 3.84 at the 5% level); sepc_all is the standardized value it would take. Correlation residuals are "
    "observed minus implied correlations; above 0.1 in absolute value they point at relations the model misses. Free "
    "a parameter only when theory supports it: changes chosen from these indices capitalise on chance.":
        "修正指数估计释放一个固定或遗漏的参数后卡方会下降多少（自由度 1：超过 3.84 即在 5% 水平显著）；标准化预期变化是该参数"
        "将取的标准化值。相关残差是观测相关减去模型隐含相关；绝对值超过 0.1 表明模型遗漏了某些关系。只有在理论支持时才释放参数："
        "依据这些指数所做的修改会利用偶然性。",
    "Largest modification indices (mi > 3.84)": "最大的修正指数（大于 3.84）",
    "No modification index exceeds 3.84.": "没有修正指数超过 3.84。",
    "Largest correlation residuals (absolute value above 0.1)": "最大的相关残差（绝对值超过 0.1）",
    "No correlation residual exceeds 0.1 in absolute value.": "没有相关残差的绝对值超过 0.1。",
    # index
    "The 0-100 ACSI index is defined from PLS outer weights (Fornell et al. 1996); run the analysis with "
    "<code>--method pls</code> for the index and the importance-performance map.":
        "0-100 的 ACSI 指数由 PLS 外部权重定义（Fornell 等 1996）；如需指数和重要性-绩效图，请用 "
        "<code>--method pls</code> 运行分析。",
    "Each construct on the ACSI's 0-100 scale (Fornell et al. 1996): the item means, weighted by the "
    "unstandardized PLS outer weights rescaled to sum to 1, each placed between its own scale's bounds "
    "({scales}). The unit-weighted index (plain mean of the items) is shown as a check":
        "各构念在 ACSI 的 0-100 刻度上的得分（Fornell 等 1996）：题项均值按非标准化 PLS 外部权重（重新缩放使其和为 1）"
        "加权，每个题项按其自身量表的上下限换算（{scales}）。等权指数（题项的简单平均）作为对照",
    "; the interval is the bootstrap percentile CI ({n} resamples).": "；区间为自助法百分位置信区间（{n} 次重抽样）。",
    "{c} index": "{c} 指数",
    "ACSI index per construct (0-100)": "各构念的 ACSI 指数（0-100）",
    "No index for {c}.": "{c} 没有指数。",
    "The importance-performance map for {t} needs the index of {cs}, which is undefined (above): no map is drawn.":
        "{t} 的重要性-绩效图需要 {cs} 的指数，而该指数无定义（见上）：不绘制此图。",
    "Importance-performance map (target: {t})": "重要性-绩效图（目标：{t}）",
    "Importance is a construct's unstandardized total effect on the target, performance its 0-100 index "
    "(Ringle and Sarstedt 2016). Constructs to the lower right (important but performing below average) "
    "are where improvement pays most.":
        "重要性是构念对目标的非标准化总效应，绩效是其 0-100 指数（Ringle 与 Sarstedt 2016）。"
        "位于右下方（重要但绩效低于平均）的构念是改进收益最大之处。",
    "Importance-performance map for {t}.": "{t} 的重要性-绩效图。",
    "IPMA": "重要性-绩效分析（IPMA）",
    "Items: importance for the target and performance (0-100), most important first":
        "题项：对目标的重要性与绩效（0-100），按重要性从高到低排列",
    # loyalty
    "A respondent counts as <b>satisfied</b> when the mean of {sat} is at least {s:g} on its scale {ssc} "
    "({sdef}), and as <b>loyal</b> when the mean of {loy} is at least {l:g} on {lsc} ({ldef}).":
        "当 {sat} 的均值不低于 {s:g}（量表 {ssc}；{sdef}）时，受访者计为<b>满意</b>；当 {loy} 的均值不低于 "
        "{l:g}（量表 {lsc}；{ldef}）时计为<b>忠诚</b>。",
    "the top 30% of the scale's range (default)": "量表范围的最高 30%（默认）",
    "as set": "按用户设定",
    "<b>{k} of {n}</b> satisfied respondents ({p:.0f}%, 95% CI {lo:.0f}-{hi:.0f}%) are not loyal: the "
    "customers lost between satisfied and loyal ({defs}).":
        "<b>{n} 位满意的受访者中有 {k} 位</b>（{p:.0f}%，95% 置信区间 {lo:.0f}-{hi:.0f}%）不忠诚：这是从满意到忠诚之间"
        "流失的顾客（{defs}）。",
    "Satisfied x loyal (counts)": "满意 × 忠诚（人数）",
    "Conversion: share not loyal, odds ratio and risk ratio (the risk ratio is tested against {rr:g})":
        "转化：不忠诚的比例、优势比与风险比（风险比的检验值为 {rr:g}）",
    "No respondent is satisfied ({defs}); set a lower threshold (satisfied=..., --satisfied) if the "
    "definition is too strict.": "没有受访者满意（{defs}）；若定义过严，可降低阈值（satisfied=...、--satisfied）。",
    "Every respondent is satisfied ({defs}): there is no one to compare them with; {k} of {n} are not loyal. "
    "Set a higher threshold (satisfied=..., --satisfied) for the conversion table.":
        "所有受访者都满意（{defs}）：没有可比较的对象；{n} 人中有 {k} 人不忠诚。如需转化表，请提高阈值（satisfied=...、--satisfied）。",
    "Net Promoter Score": "净推荐值（NPS）",
    "NPS of {item} (95% CI {lo:+.0f} to {hi:+.0f}; n = {n})": "{item} 的 NPS（95% 置信区间 {lo:+.0f} 至 {hi:+.0f}；n = {n}）",
    "<b>Proxy.</b> The NPS is defined on the 0-10 recommend question (promoters 9-10, detractors 0-6; "
    "Reichheld 2003). This item is on {sc}, so the score uses promoters {p} and detractors {d}: an NPS-like "
    "index, not comparable with published NPS benchmarks.":
        "<b>近似值。</b>NPS 定义在 0-10 的推荐意愿问题上（推荐者 9-10，贬损者 0-6；Reichheld 2003）。"
        "该题项的量表为 {sc}，因此以 {p} 为推荐者、{d} 为贬损者：这是类似 NPS 的指数，不能与公开的 NPS 基准比较。",
    "Promoters, passives and detractors": "推荐者、被动者与贬损者",
    "No satisfaction and loyalty items were identified (name the constructs <code>satisfaction</code> and "
    "<code>loyalty</code>), so the conversion and the NPS are not computed.":
        "未识别出满意度和忠诚度题项（请将构念命名为 <code>satisfaction</code> 和 <code>loyalty</code>），"
        "因此不计算转化表和 NPS。",
    # segments
    "Satisfaction (mean of {items}, on {sc}) by {seg}, with 95% t intervals; the share satisfied uses "
    "{defs}.": "按 {seg} 比较满意度（{items} 的均值，量表 {sc}），附 95% t 区间；满意比例采用：{defs}。",
    "Satisfaction by {seg}": "按 {seg} 的满意度",
    "Share satisfied: overall {o:.1f}%, weighted by {v}: {w:.1f}%.": "满意比例：总体 {o:.1f}%，按 {v} 加权：{w:.1f}%。",
    "Value-weighted index: share satisfied weighted by {v}": "价值加权指数：按 {v} 加权的满意比例",
    "The high-value customers are less satisfied than the average customer.": "高价值顾客的满意度低于平均顾客。",
    "all": "全部",
    "Segments need satisfaction items (a construct named satisfaction).": "细分比较需要满意度题项（名为 satisfaction 的构念）。",
    # limitations
    "Sample size and power": "样本量与检验力",
    "The model was estimated on <b>n = {n}</b> respondents": "模型基于 <b>n = {n}</b> 位受访者估计",
    ". ": "。",
    " ({k} rows with missing answers were dropped)": "（{k} 行因缺失回答被删除）",
    "For every path the table gives the effect size f² the sample estimated, and the power the sample had "
    "to detect an effect of that size with the F test of one coefficient at 5% (noncentrality f² n; Cohen "
    "1988, Faul et al. 2009), with the sample size that would give 80% power. Power computed from the "
    "estimated effect is optimistic for effects a small sample overestimates.":
        "表中给出每条路径的样本效应量 f²，以及样本在 5% 水平下用单个系数的 F 检验检测该大小效应的检验力"
        "（非中心参数 f² n；Cohen 1988，Faul 等 2009），并给出达到 80% 检验力所需的样本量。"
        "基于估计效应计算的检验力，对小样本高估的效应而言偏乐观。",
    "For every path the table gives the power of its two-sided z test at 5% if the true effect equalled the "
    "estimate, and the sample size giving 80% power for it.":
        "表中给出每条路径在真实效应等于估计值时，5% 水平双侧 z 检验的检验力，以及达到 80% 检验力所需的样本量。",
    "Power per path (5% level)": "各路径的检验力（5% 水平）",
    "{k} of {m} paths had less than 80% power: a non-significant path here is weak evidence of no effect, "
    "not evidence of none.": "{m} 条路径中有 {k} 条的检验力低于 80%：此处不显著的路径只是无效应的弱证据，而非无效应的证据。",
    "Kock and Hadaya's (2018) inverse square root rule asks for n &ge; {nmin} to detect the smallest path "
    "(|{p:.2f}|) at 5% with 80% power; the sample has {n}.":
        "按 Kock 与 Hadaya（2018）的平方根倒数法则，要在 5% 水平以 80% 检验力检测最小的路径（|{p:.2f}|），"
        "需要 n &ge; {nmin}；本样本为 {n}。",
    "Response styles": "作答风格",
    "A long rating scale can invite answers in the middle. Per respondent: the share of midpoint answers, of "
    "extreme answers, of agreeing answers, and straight-lining (the same answer to every item).":
        "较长的评分量表可能导致回答集中在中间。按受访者计算：中点回答、极端回答、同意性回答的比例，"
        "以及直线作答（所有题项给出相同回答）。",
    "Midpoint answers ({lo:g}-{hi:g}) are <b>{p:.0f}%</b> of all answers (95% CI {a:.0f}-{b:.0f}%), "
    "against {u:.0f}% for an answerer spreading evenly over the scale: ":
        "中点回答（{lo:g}-{hi:g}）占全部回答的 <b>{p:.0f}%</b>（95% 置信区间 {a:.0f}-{b:.0f}%），"
        "而在量表上均匀作答者为 {u:.0f}%：",
    "<b>central tendency is present</b>.": "<b>存在趋中倾向</b>。",
    "no sign of central tendency beyond that.": "没有超出该水平的趋中迹象。",
    " Straight-liners (the same answer to every item): <b>{k}</b> of {n}.": " 直线作答者（所有题项回答相同）：{n} 人中 <b>{k}</b> 人。",
    "Pooled answers by response range": "按回答区间汇总的回答",
    "Response styles per item": "各题项的作答风格",
    "Response styles are computed for items sharing one whole-number scale; the items here are on "
    "different scales or hold decimals.": "作答风格仅针对使用同一整数量表的题项计算；此处题项的量表不同或含小数。",
    "What the data cannot tell": "数据无法说明的问题",
    "Cross-sectional data: the paths are associations consistent with the model, not proof of causation.":
        "横截面数据：路径是与模型一致的关联，而非因果关系的证明。",
    "The estimates describe the sample; figures for a population need a random sample (or weights by "
    "segment and customer value).": "估计值描述的是样本；总体层面的数字需要随机样本（或按细分群体和顾客价值加权）。",
    # method notes
    "Settings": "设置",
    "Model": "模型",
    "rating scale": "评分量表",
    "missing codes": "缺失值代码",
    "none": "无",
    "satisfied / loyal": "满意 / 忠诚",
    "mean >= {s:g} / mean >= {l:g}": "均值 >= {s:g} / 均值 >= {l:g}",
    "Thresholds: Hair et al. (2017, 2019) for reliability and loadings, Henseler et al. (2015) for HTMT, Hu "
    "and Bentler (1999) for fit, Cohen (1988) for f².":
        "阈值来源：信度与载荷见 Hair 等（2017、2019），HTMT 见 Henseler 等（2015），拟合见 Hu 与 Bentler（1999），"
        "f² 见 Cohen（1988）。",
    "path weighting scheme, Mode A for =~ blocks, indicators standardized (n-1); seminr's defaults":
        "路径加权方案，=~ 区块采用 Mode A，指标标准化（n-1）；与 seminr 默认设置相同",
    "{n} resamples, seed {seed}, percentile CIs, {f} failed, {i} inadmissible":
        "{n} 次重抽样，种子 {seed}，百分位置信区间，{f} 次失败，{i} 次不可接受",
    "lavaan sem() defaults: first loading fixed to 1, ML with divisor N": "lavaan sem() 默认设置：第一个载荷固定为 1，最大似然以 N 为除数",
    "; Huber-White SEs and Yuan-Bentler scaled test": "；Huber-White 标准误与 Yuan-Bentler 校正检验",
    "bootstrap": "自助法",
    # higher-order constructs and the demo's chain (issue 13 item 1)
    "PLS (higher-order weights and loadings, path coefficients) and CB-SEM (standardized loadings and paths) side by side":
        "PLS（高阶构念的权重与载荷、路径系数）与 CB-SEM（标准化载荷与路径）并列比较",
    "Lower-order constructs in their higher-order construct": "低阶构念在其高阶构念中的权重与载荷",
    "The same chain as a second-order factor model (CB-SEM)": "同一链条的二阶因子模型（CB-SEM）",
    "For comparison, the same syntax estimated by CB-SEM (maximum likelihood, lavaan's defaults): {hocs} becomes a second-order common factor whose first-order factors carry the items' shared variance. PLS gives composites (weights); CB-SEM gives standardized loadings of the first-order factors on the second-order factor.":
        "作为比较，同一模型语法以 CB-SEM 估计（最大似然，lavaan 默认设置）：{hocs} 成为二阶公共因子，其一阶因子承载题项的共同方差。"
        "PLS 给出合成变量（权重）；CB-SEM 给出一阶因子在二阶因子上的标准化载荷。",
    "CB-SEM fit: chi-square {chisq:.2f} on {df:.0f} df (p = {p:.3f}), CFI {cfi:.3f}, RMSEA {rmsea:.3f}, SRMR {srmr:.3f}.":
        "CB-SEM 拟合：卡方 {chisq:.2f}，自由度 {df:.0f}（p = {p:.3f}），CFI {cfi:.3f}，RMSEA {rmsea:.3f}，SRMR {srmr:.3f}。",
    "<b>Heywood case.</b> The CB-SEM solution is inadmissible: {what}. Its estimates are not interpretable as they stand; with n = {n} this is a common small-sample outcome.":
        "<b>Heywood 情形。</b>CB-SEM 的解不可接受：{what}。其估计值不能直接解释；在 n = {n} 的样本下这是常见的小样本结果。",
    "Strongest dimension of {h}: <b>{s}</b> (weight {b:.2f}); weakest: <b>{w}</b> (weight {c:.2f}).":
        "{h} 最强的维度：<b>{s}</b>（权重 {b:.2f}）；最弱的维度：<b>{w}</b>（权重 {c:.2f}）。",
    "Higher-order constructs ({hocs}) are evaluated as Sarstedt et al. (2019) prescribe: the lower-order constructs with their items, the higher-order construct with its lower-order constructs as its indicators (their scores); both levels should meet the same thresholds.":
        "高阶构念（{hocs}）按 Sarstedt 等（2019）的要求评估：低阶构念以其题项评估，高阶构念以其低阶构念（的得分）作为指标评估；"
        "两个层次都应达到相同的阈值。",
    "Higher-order constructs": "高阶构念",
    "The CB-SEM solution is admissible: no negative variance and no standardized loading or path beyond 1 in absolute value.":
        "CB-SEM 的解可接受：没有负方差，也没有绝对值超过 1 的标准化载荷或路径。",
    "Single-item factors ({items}) have their item's residual variance fixed at 0 in CB-SEM (the item is taken as error-free), matching the reliability of 1 that PLS assumes for them.":
        "单题项因子（{items}）在 CB-SEM 中其题项的残差方差固定为 0（视该题项无测量误差），与 PLS 对其假定的信度 1 一致。",
    "The CB-SEM fit failed: {why}": "CB-SEM 估计失败：{why}",
    "satisfied: mean of Q8-Q15 at least 7 on the 1-10 scale": "满意：Q8-Q15 的均值在 1-10 量表上至少为 7",
    "loyal: mean of Q16-Q17 at least 7 on the 1-10 scale": "忠诚：Q16-Q17 的均值在 1-10 量表上至少为 7",
    "The questionnaire has no separate satisfaction item: Satisfaction is the higher-order construct of the quality items Q8-Q15 (its four SERVQUAL dimensions), and the satisfied share is computed from the same items.":
        "问卷没有单独的满意度题项：满意度（Satisfaction）是质量题项 Q8-Q15（其四个 SERVQUAL 维度）的高阶构念，满意者比例也由这些题项计算。",
    "The headline index is Satisfaction's, computed from the items of its four dimensions (Q8-Q15) with their effective weights (the dimensions' stage-1 weights times their stage-2 weights in Satisfaction); Loyalty's index (Q16, Q17) is shown in the table.":
        "标题指数是满意度（Satisfaction）的指数，由其四个维度的题项（Q8-Q15）按有效权重计算（维度的第一阶段权重乘以其在满意度中的第二阶段权重）；"
        "忠诚度（Loyalty）的指数（Q16、Q17）见表。",
    "The same chain by CB-SEM (second-order factor): chi-square {chisq:.1f} on {df:.0f} df (p = {p:.3f}), CFI {cfi:.3f}, RMSEA {rmsea:.3f}; ":
        "同一链条的 CB-SEM 估计（二阶因子）：卡方 {chisq:.1f}，自由度 {df:.0f}（p = {p:.3f}），CFI {cfi:.3f}，RMSEA {rmsea:.3f}；",
    "the solution is admissible.": "解可接受。",
    "<b>the solution is inadmissible (Heywood case)</b>: see the structural model.": "<b>解不可接受（Heywood 情形）</b>：见结构模型一节。",
    "Standardized {s} -> {t}: {b:.2f} (PLS: {p:.2f}).": "标准化 {s} -> {t}：{b:.2f}（PLS：{p:.2f}）。",
    "{c} (higher-order, of {k} constructs)": "{c}（高阶构念，由 {k} 个构念组成）",
    "HTMT of the lower-order constructs and the other constructs (stage 1)": "低阶构念与其他构念的 HTMT（第一阶段）",
    "Two-stage approach (Sarstedt et al. 2019; seminr's default): stage 1 estimates the lower-order constructs from their items, stage 2 measures the higher-order construct by their scores. The table gives each lower-order construct's outer weight (its share in the higher-order construct's score) and loading, with bootstrap intervals; the diagram draws the weights as arrows into the higher-order construct.":
        "两阶段法（Sarstedt 等 2019；seminr 的默认方法）：第一阶段由题项估计低阶构念，第二阶段以其得分测量高阶构念。"
        "表中给出每个低阶构念的外部权重（其在高阶构念得分中的份额）与载荷，并附自助法区间；路径图以指向高阶构念的箭头表示这些权重。",
    "Second-order factor: the standardized loadings (std_all) of the first-order factors on the higher-order factor, with z tests; the diagram draws them as arrows into the higher-order construct.":
        "二阶因子：一阶因子在高阶因子上的标准化载荷（std_all）及其 z 检验；路径图以指向高阶构念的箭头表示。",
}

#: Table headers, row labels and figure texts (exact strings of the library's tables and charts).
ZH_LABELS: dict[str, str] = {
    "n": "n", "count": "人数", "share": "比例", "%": "%", "95% CI low": "95% 置信下限", "95% CI high": "95% 置信上限",
    "ci_lower": "置信下限", "ci_upper": "置信上限", "cumulative_share": "累计比例",
    "item": "题项", "question": "问题", "mean": "均值", "sd": "标准差", "missing": "缺失",
    "top box %": "顶部箱 %", "bottom box %": "底部箱 %", "scale": "量表", "scale source": "量表来源",
    "construct": "构念", "items": "题项数", "alpha": "alpha", "alpha 95% CI low": "alpha 95% 置信下限",
    "alpha 95% CI high": "alpha 95% 置信上限", "omega": "omega", "rho_a": "rho_A", "rho_c": "rho_C", "ave": "AVE",
    "source": "来源", "target": "目标", "est": "估计值", "boot_se": "自助标准误", "se": "标准误", "t": "t",
    "z": "z", "pvalue": "p 值", "sig": "显著性", "std_all": "标准化估计", "r_squared": "R²",
    "adj_r_squared": "调整 R²", "direct": "直接效应", "indirect": "间接效应", "total": "总效应",
    "index": "指数", "unit_weighted_index": "等权指数", "importance": "重要性", "performance": "绩效",
    "weight": "权重", "f2": "f²", "predictors": "预测变量数", "power": "检验力", "n for 80% power": "80% 检验力所需 n",
    "satisfied": "满意", "not satisfied": "不满意", "loyal": "忠诚", "not loyal": "不忠诚", "total ": "合计",
    "estimate": "估计值", "lower": "下限", "upper": "上限", "pvalue_rr_null": "风险比检验 p 值",
    "share not loyal": "不忠诚比例", "odds ratio": "优势比", "risk ratio": "风险比",
    "promoters": "推荐者", "passives": "被动者", "detractors": "贬损者", "nps": "NPS",
    "promoter": "推荐者", "passive": "被动者", "detractor": "贬损者",
    "midpoint": "中点", "extreme_low": "低端极值", "extreme_high": "高端极值", "extreme": "极端",
    "agree": "同意", "disagree": "不同意", "uniform_share": "均匀作答比例", "straightliners": "直线作答者",
    "n_effective": "有效 n", "share_satisfied": "满意比例", "all": "全部", "all (pooled)": "全部（汇总）",
    "overall": "总体", "value_weighted": "价值加权", "segment": "细分群体",
    # figure texts of the library's charts
    "Answers per item": "各题项的回答", "share of answers": "回答比例", "Reliability": "信度",
    "loading": "载荷", "Loadings": "载荷", "importance (total effect)": "重要性（总效应）",
    "performance (0-100)": "绩效（0-100）", "Importance": "重要性", "Performance": "绩效",
    "strongly disagree": "非常不同意", "neutral": "中立", "strongly agree": "非常同意",
    "share of answers (disagree left, agree right)": "回答比例（左：不同意，右：同意）",
    "share_of_respondents": "受访者比例", "share_of_mentions": "提及比例", "option": "选项",
    "total_effect": "总效应", "rescaled_weight": "重新缩放的权重", "indicator": "指标", "group": "组别",
    "null": "原假设值", "midpoint_share": "中点比例", "extreme_share": "极端比例", "agree_share": "同意比例",
    "disagree_share": "不同意比例", "share of satisfied not loyal": "满意但不忠诚的比例",
    "risk ratio (loyal | satisfied)": "风险比（忠诚 | 满意）", "odds ratio (loyal | satisfied)": "优势比（忠诚 | 满意）",
    "measure": "指标", "satisfaction": "满意度", "loyalty": "忠诚度", "style": "作答风格",
    "share_ci_lower": "比例置信下限", "share_ci_upper": "比例置信上限", "longest_string": "最长相同回答串",
    "straightliner": "直线作答", "period": "时期", "ci_level": "置信水平", "mean_ci_lower": "均值置信下限",
    "* p < .05   ** p < .01   *** p < .001   dashed: not significant": "* p < .05   ** p < .01   *** p < .001   虚线：不显著",
    "0.5 (AVE)": "0.5（AVE）", "0.7 (reliability)": "0.7（信度）", "Cronbach's alpha": "Cronbach's alpha",
    "Indicator loadings": "指标载荷", "Reliability and convergent validity": "信度与收敛效度",
    "loading (dashed line: 0.708)": "载荷（虚线：0.708）", "rho_C (composite)": "rho_C（组合信度）",
    "mean_ci_upper": "均值置信上限", "respondent": "受访者", "answers": "回答数", "factor": "因子",
    "variable": "变量", "std": "标准化估计", "std_lv": "潜变量标准化", "construct ": "构念",
    "pls_est": "PLS 估计值", "pls_loading": "PLS 载荷", "cbsem_std_all": "CB-SEM std_all", "cbsem_pvalue": "CB-SEM p 值",
    "lhs": "左侧", "op": "运算符", "rhs": "右侧", "mi": "修正指数", "epc": "预期参数变化", "sepc_all": "标准化预期变化",
    "residual": "残差",
}

#: Figure texts that end with a name: prefix -> translated prefix.
ZH_PREFIXES: dict[str, str] = {
    "Importance-performance map: ": "重要性-绩效图：",
    "Item correlations": "题项相关",
}

CATALOGUES: dict[str, dict[str, str]] = {"zh": ZH}
PREFIXES: dict[str, dict[str, str]] = {"zh": ZH_PREFIXES}
LABELS: dict[str, dict[str, str]] = {"zh": ZH_LABELS}
