/* confidence: the formula documented in confidence.h, and its plain-words explanation. */
#include "core/confidence.h"

#include <math.h>
#include <stdio.h>

enum { CONFIDENCE_TOP = 3 };

#define CONFIDENCE_STRONG_SIM 0.60
#define CONFIDENCE_MARGIN_FULL 0.10
#define W_EVIDENCE 0.55
#define W_STRENGTH 0.25
#define W_AGREEMENT 0.05
#define W_MARGIN 0.05
#define W_SUPPORT 0.10

static double clamp01(double v)
{
    return v < 0 ? 0 : v > 1 ? 1 : v;
}

static const char *strength_word(double s)
{
    return s >= 0.75 ? "strong" : s >= 0.35 ? "moderate" : "weak";
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
    if (in->evidence >= 0 && in->evidence < CONFIDENCE_MIN_EVIDENCE) {
        int n = snprintf(why, whylen, "the best passage holds only %.0f%% of the question's key "
                                      "words", in->evidence * 100);
        if (n > 0 && (size_t)n < whylen && in->unknown_count > 0)
            snprintf(why + n, whylen - (size_t)n, ", and the knowledge base never mentions %s",
                     in->unknown && *in->unknown ? in->unknown : "some of them");
        return true;
    }
    return false;
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
    if (in->abstain || in->count == 0) {
        snprintf(reasons, reasons_len, "%s",
                 in->abstain_reason && *in->abstain_reason
                     ? in->abstain_reason
                     : "nothing in the knowledge base matched the question");
        return 0;
    }
    double v1 = -1, v2 = -1;
    bool any_fts = false;
    for (size_t i = 0; i < in->count; i++) {
        double v = in->passages[i].is_vector_hit ? in->passages[i].similarity : -1;
        any_fts = any_fts || in->passages[i].is_fts_hit;
        if (v > v1) {
            v2 = v1;
            v1 = v;
        } else if (v > v2) {
            v2 = v;
        }
    }
    double t = in->threshold;
    if (!(t < CONFIDENCE_STRONG_SIM))
        t = CONFIDENCE_STRONG_SIM - 0.01; /* a threshold above the "strong" point */
    double s, m;
    if (v1 >= 0) {
        s = clamp01((v1 - t) / (CONFIDENCE_STRONG_SIM - t));
        m = v2 >= 0 ? clamp01((v1 - v2) / CONFIDENCE_MARGIN_FULL) : 0.5;
    } else {
        s = any_fts ? 0.30 : 0;
        m = 0.5;
    }
    size_t top = in->count < CONFIDENCE_TOP ? in->count : CONFIDENCE_TOP;
    size_t both = 0;
    for (size_t i = 0; i < top; i++)
        both += in->passages[i].is_vector_hit && in->passages[i].is_fts_hit;
    double a = (double)both / (double)top;
    bool has_evidence = in->evidence >= 0;
    double e = has_evidence ? clamp01(in->evidence) : 0.5;

    double score = W_EVIDENCE * e + W_STRENGTH * s + W_AGREEMENT * a + W_MARGIN * m;
    bool has_support = in->support >= 0;
    if (has_support)
        score += W_SUPPORT * clamp01(in->support);
    else
        score /= 1 - W_SUPPORT;
    score = round(clamp01(score) * 100) / 100;

    size_t used = 0;
    int n = 0;
    if (has_evidence)
        n = snprintf(reasons, reasons_len, "the best passage holds %.0f%% of the question's key "
                                           "words; ", e * 100);
    used = n > 0 && (size_t)n < reasons_len ? (size_t)n : 0;
    if (v1 >= 0)
        n = snprintf(reasons + used, reasons_len - used, "%s match (similarity %.2f)",
                     strength_word(s), v1);
    else
        n = snprintf(reasons + used, reasons_len - used, "keyword match only (no similar passage)");
    used += n > 0 ? (size_t)n : 0;
    if (used < reasons_len && v1 >= 0 && v2 >= 0)
        used += (size_t)snprintf(reasons + used, reasons_len - used, "; %s margin over the next",
                                 m >= 0.75 ? "clear" : m >= 0.3 ? "some" : "little");
    if (used < reasons_len)
        used += (size_t)snprintf(reasons + used, reasons_len - used,
                                 "; %zu/%zu top passages found by both searches", both, top);
    if (used < reasons_len && in->unknown_count > 0)
        used += (size_t)snprintf(reasons + used, reasons_len - used,
                                 "; the knowledge base never mentions %s",
                                 in->unknown ? in->unknown : "a key word");
    if (used < reasons_len && has_support) {
        if (in->is_offline)
            snprintf(reasons + used, reasons_len - used,
                     "; quotes cover %.0f%% of the question's terms", clamp01(in->support) * 100);
        else
            snprintf(reasons + used, reasons_len - used, "; %.0f%% of sentences cited",
                     clamp01(in->support) * 100);
    }
    return score;
}
