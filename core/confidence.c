/* confidence: the formula documented in confidence.h, and its plain-words explanation. */
#include "core/confidence.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>

enum { CONFIDENCE_TOP = 3 };

#define CONFIDENCE_STRONG_SIM 0.60
#define CONFIDENCE_MARGIN_FULL 0.10
#define CONFIDENCE_K_ZERO 0.25 /* K giving Kn = 0 */
#define CONFIDENCE_K_FULL 8.0  /* K giving Kn = 1 */
#define W_KEYWORDS 0.65
#define W_IMPORTANT 0.20
#define W_STRENGTH 0.10
#define W_EVIDENCE 0.05
#define W_SUPPORT 0.10

static double clamp01(double v)
{
    return v < 0 ? 0 : v > 1 ? 1 : v;
}

static const char *strength_word(double s)
{
    return s >= 0.75 ? "strong" : s >= 0.35 ? "moderate" : "weak";
}

/* The components of R; v1/v2 as in the header. */
struct parts {
    double v1, v2;
    bool any_fts;
    double kn, i, s, e;
};

static void parts_of(const struct confidence_input *in, struct parts *p)
{
    p->v1 = p->v2 = -1;
    p->any_fts = false;
    for (size_t i = 0; i < in->count; i++) {
        double v = in->passages && in->passages[i].is_vector_hit ? in->passages[i].similarity
                                                                 : -1;
        p->any_fts = p->any_fts || (in->passages && in->passages[i].is_fts_hit);
        if (v > p->v1) {
            p->v2 = p->v1;
            p->v1 = v;
        } else if (v > p->v2) {
            p->v2 = v;
        }
    }
    double strong = in->sim_strong > 0 ? in->sim_strong : CONFIDENCE_STRONG_SIM;
    double t = in->sim_zero > 0 ? in->sim_zero : in->threshold;
    if (!(t < strong))
        t = strong - 0.01; /* a threshold above the "strong" point */
    if (p->v1 >= 0)
        p->s = clamp01((p->v1 - t) / (strong - t));
    else
        p->s = p->any_fts ? 0.30 : 0;
    if (in->keywords < 0)
        p->kn = 0.5;
    else if (in->keywords <= CONFIDENCE_K_ZERO)
        p->kn = 0;
    else
        p->kn = clamp01(log(in->keywords / CONFIDENCE_K_ZERO) /
                        log(CONFIDENCE_K_FULL / CONFIDENCE_K_ZERO));
    p->i = in->important >= 0 ? clamp01(in->important) : 0.5;
    p->e = in->evidence >= 0 ? clamp01(in->evidence) : 0.5;
}

static double parts_score(const struct parts *p)
{
    return W_KEYWORDS * p->kn + W_IMPORTANT * p->i + W_STRENGTH * p->s + W_EVIDENCE * p->e;
}

double confidence_evidence_score(const struct confidence_input *in)
{
    if (in->count == 0)
        return 0;
    struct parts p;
    parts_of(in, &p);
    return clamp01(parts_score(&p));
}

/* Appends to out (at *used of len) with a "; " separator; never overruns. */
static void add(char *out, size_t len, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void add(char *out, size_t len, size_t *used, const char *fmt, ...)
{
    if (*used >= len)
        return;
    if (*used > 0) {
        int n = snprintf(out + *used, len - *used, "; ");
        *used = n > 0 && (size_t)n < len - *used ? *used + (size_t)n : len;
        if (*used >= len)
            return;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + *used, len - *used, fmt, ap);
    va_end(ap);
    *used = n > 0 && (size_t)n < len - *used ? *used + (size_t)n : len;
}

bool confidence_should_abstain(const struct confidence_input *in, char *why, size_t whylen)
{
    char dummy[1];
    if (!why || whylen == 0) {
        why = dummy;
        whylen = sizeof dummy;
    }
    why[0] = '\0';
    if (in->count == 0) {
        snprintf(why, whylen, "nothing in the knowledge base matched the question");
        return true;
    }
    struct parts p;
    parts_of(in, &p);
    /* When no passage found holds any of the question's important words, they answer
     * something else, however well the rest matched. */
    bool misses_point = in->important == 0;
    if (!misses_point && parts_score(&p) >= CONFIDENCE_MIN_SCORE)
        return false;
    if (misses_point) {
        size_t used = 0;
        add(why, whylen, &used, "no passage found holds any of the question's important words");
        if (in->unknown_count > 0)
            add(why, whylen, &used, "the knowledge base never mentions %s",
                in->unknown && *in->unknown ? in->unknown : "some of its words");
        return true;
    }
    /* Say which evidence was weak, weakest first as the score weighs it. */
    size_t used = 0;
    if (in->keywords >= 0)
        add(why, whylen, &used, "no passage holds the question's rare words together (%.1f)",
            in->keywords);
    if (in->important >= 0 && in->important < 1)
        add(why, whylen, &used, "the passages found hold at most %.0f%% of its important words",
            p.i * 100);
    if (in->evidence >= 0 && in->important < 0)
        add(why, whylen, &used, "the best passage holds %.0f%% of its key words", p.e * 100);
    if (p.v1 >= 0)
        add(why, whylen, &used, "%s match in meaning (similarity %.2f)", strength_word(p.s),
            p.v1);
    if (in->unknown_count > 0)
        add(why, whylen, &used, "the knowledge base never mentions %s",
            in->unknown && *in->unknown ? in->unknown : "some of its words");
    if (used == 0)
        snprintf(why, whylen, "too little evidence in the knowledge base");
    return true;
}

const char *confidence_label(double confidence, bool abstain)
{
    if (abstain)
        return "no answer";
    return confidence >= 0.70 ? "strong evidence"
           : confidence >= 0.45 ? "moderate evidence"
                                : "weak evidence: check the sources";
}

double confidence_score(const struct confidence_input *in, char *reasons, size_t reasons_len)
{
    char dummy[1];
    if (!reasons || reasons_len == 0) {
        reasons = dummy;
        reasons_len = sizeof dummy;
    }
    reasons[0] = '\0';
    if (in->abstain || in->count == 0) {
        snprintf(reasons, reasons_len, "%s",
                 in->abstain_reason && *in->abstain_reason
                     ? in->abstain_reason
                     : "nothing in the knowledge base matched the question");
        return 0;
    }
    struct parts p;
    parts_of(in, &p);
    double score = parts_score(&p);
    bool has_support = in->support >= 0;
    if (has_support)
        score = (1 - W_SUPPORT) * score + W_SUPPORT * clamp01(in->support);
    score = round(clamp01(score) * 100) / 100;

    size_t used = 0;
    if (in->evidence >= 0 && in->important >= 0)
        add(reasons, reasons_len, &used, "the best passage holds %.0f%% of the question's key "
            "words (%.0f%% of the important ones)", p.e * 100, p.i * 100);
    else if (in->evidence >= 0)
        add(reasons, reasons_len, &used, "the best passage holds %.0f%% of the question's key "
            "words", p.e * 100);
    if (in->keywords >= 0)
        add(reasons, reasons_len, &used, "%s keyword match (%.1f rare words together)",
            p.kn >= 0.6 ? "strong" : p.kn >= 0.35 ? "moderate" : "weak", in->keywords);
    if (p.v1 >= 0)
        add(reasons, reasons_len, &used, "%s match (similarity %.2f)", strength_word(p.s), p.v1);
    else
        add(reasons, reasons_len, &used, "keyword match only (no similar passage)");
    if (p.v1 >= 0 && p.v2 >= 0) {
        double m = clamp01((p.v1 - p.v2) / CONFIDENCE_MARGIN_FULL);
        add(reasons, reasons_len, &used, "%s margin over the next",
            m >= 0.75 ? "clear" : m >= 0.3 ? "some" : "little");
    }
    size_t top = in->count < CONFIDENCE_TOP ? in->count : CONFIDENCE_TOP;
    size_t both = 0;
    for (size_t i = 0; i < top && in->passages; i++)
        both += in->passages[i].is_vector_hit && in->passages[i].is_fts_hit;
    add(reasons, reasons_len, &used, "%zu/%zu top passages found by both searches", both, top);
    if (in->unknown_count > 0)
        add(reasons, reasons_len, &used, "the knowledge base never mentions %s",
            in->unknown ? in->unknown : "a key word");
    if (has_support) {
        if (in->is_offline)
            add(reasons, reasons_len, &used, "quotes cover %.0f%% of the question's terms",
                clamp01(in->support) * 100);
        else
            add(reasons, reasons_len, &used, "%.0f%% of sentences cited",
                clamp01(in->support) * 100);
    }
    return score;
}
