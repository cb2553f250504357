/* test_extract: sentence splitting, term matching, and the offline answer: labelled, cited,
 * 2-4 sentences, no duplicates, a fallback when nothing overlaps; and a table of real questions
 * over passages from assets/kb, each answered with words alone and with the local embedder,
 * whose best sentence a plain term-overlap count used to miss. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/embed_local.h"
#include "core/extract.h"
#include "core/terms.h"

struct collected {
    char items[16][256];
    size_t count;
};

static void collect(void *userdata, const char *s, size_t len)
{
    struct collected *c = userdata;
    if (c->count < 16)
        snprintf(c->items[c->count++], 256, "%.*s", (int)len, s);
}

static void sentences_table(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *expected[6];
    } cases[] = {
        {"One sentence. Two sentence! Three?", {"One sentence.", "Two sentence!", "Three?"}},
        {"Use e.g. a laptop. Version 3.5 is out. Visit example.com today.",
         {"Use e.g. a laptop.", "Version 3.5 is out.", "Visit example.com today."}},
        {"# Heading\n\nA paragraph that\nspans lines. Next one.",
         {"A paragraph that spans lines.", "Next one."}},
        {"- item one\n- item two\n1. numbered\n> quoted text",
         {"item one", "item two", "numbered", "quoted text"}},
        {"Before.\n```\ncode. Not a sentence.\n```\nAfter.", {"Before.", "After."}},
        {"| a | b |\n|---|---|\nText.", {"Text."}},
        {"Dr. Smith said so. J. Doe agreed.", {"Dr. Smith said so.", "J. Doe agreed."}},
        {"lower case. continues here.", {"lower case. continues here."}},
        /* A bold FAQ question stays with its answer. */
        {"**My flight was cancelled and I had to stay another night. Who pays?** The company\n"
         "pays the extra night. Keep the receipts.",
         {"**My flight was cancelled and I had to stay another night. Who pays?** The company "
          "pays the extra night.",
          "Keep the receipts."}},
        {"**Unclosed bold. Next sentence.", {"**Unclosed bold.", "Next sentence."}},
        /* A wrapped line starting with a number is not a list item; "1." starts a list. */
        {"Write to the desk, or call extension\n4000. The desk is open from 08:00.",
         {"Write to the desk, or call extension 4000.", "The desk is open from 08:00."}},
        {"Steps:\n1. Open the tool.\n2. Add receipts.",
         {"Steps:", "Open the tool.", "Add receipts."}},
        {"", {NULL}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct collected c = {0};
        extract_sentences(cases[i].text, collect, &c);
        size_t n = 0;
        while (n < 6 && cases[i].expected[n])
            n++;
        print_message("case %zu\n", i);
        assert_int_equal(c.count, n);
        for (size_t k = 0; k < n; k++)
            assert_string_equal(c.items[k], cases[i].expected[k]);
    }
}

static void terms_stem_and_stop(void **state)
{
    (void)state;
    struct terms q, p;
    const char *question = "How do I request parental leave policies?";
    const char *passage = "Requests for Parental Leave follow the policy below.";
    terms_from_text(question, strlen(question), 0, &q);
    terms_from_text(passage, strlen(passage), 0, &p);
    assert_false(terms_contains(&q, "how"));
    assert_false(terms_contains(&q, "do"));
    assert_int_equal(q.count, 4); /* request parent leav polici */
    assert_int_equal(terms_overlap(&q, &p), 4);
    terms_cleanup(&q);
    terms_cleanup(&p);
    /* Duplicates collapse; the limit holds. */
    terms_from_text("leave leaves leaving", 20, 0, &q);
    assert_int_equal(q.count, 1);
    terms_cleanup(&q);
    terms_from_text("alpha beta gamma delta", 22, 2, &q);
    assert_int_equal(q.count, 2);
    terms_cleanup(&q);
}

static size_t count_lines_starting(const char *s, const char *prefix)
{
    size_t n = 0;
    size_t pl = strlen(prefix);
    for (const char *p = s; p && *p;) {
        if (strncmp(p, prefix, pl) == 0)
            n++;
        const char *nl = strchr(p, '\n');
        p = nl ? nl + 1 : NULL;
    }
    return n;
}

static void answer_quotes_best_sentences(void **state)
{
    (void)state;
    const struct extract_passage passages[] = {
        {1,
         "Our office opens at nine. Parental leave lasts sixteen weeks for every parent. The "
         "cafeteria serves lunch daily.",
         1.0, NULL},
        {2,
         "To request parental leave, submit the form in the HR portal. Parental leave lasts "
         "sixteen weeks for every parent. Parking is free.",
         0.8, NULL},
        {3, "Expense reports are due monthly. Travel needs approval from a manager.", 0.3, NULL},
    };
    struct extract_result r;
    assert_int_equal(extract_answer("How long is parental leave and how do I request it?",
                                    passages, 3, NULL, &r),
                     ERR_OK);
    print_message("%s", r.text);
    assert_true(strncmp(r.text, EXTRACT_HEADER "\n\n", strlen(EXTRACT_HEADER) + 2) == 0);
    assert_non_null(strstr(r.text, "- Parental leave lasts sixteen weeks for every parent. [1]\n"));
    assert_non_null(strstr(r.text, "- To request parental leave, submit the form in the HR "
                                   "portal. [2]\n"));
    /* The duplicate sentence in passage 2 is not quoted twice. */
    assert_null(strstr(r.text, "every parent. [2]"));
    assert_null(strstr(r.text, "cafeteria"));
    assert_null(strstr(r.text, "Expense"));
    assert_true(r.sentence_count >= 2 && r.sentence_count <= 4);
    assert_int_equal(count_lines_starting(r.text, "- "), r.sentence_count);
    assert_true(r.term_coverage > 0.5);
    extract_result_cleanup(&r);
}

static void answer_at_most_four(void **state)
{
    (void)state;
    const struct extract_passage passages[] = {
        {1,
         "Security training covers phishing basics. Security training covers password rules. "
         "Security training covers device locking. Security training covers badge use. "
         "Security training covers travel safety. Security training covers reporting.",
         1.0, NULL},
    };
    struct extract_result r;
    assert_int_equal(extract_answer("security training", passages, 1, NULL, &r), ERR_OK);
    assert_int_equal(r.sentence_count, 4);
    extract_result_cleanup(&r);
}

static void fallback_without_overlap(void **state)
{
    (void)state;
    /* Retrieval found it (e.g. by meaning) but no word matches: quote the strongest passage. */
    const struct extract_passage passages[] = {
        {1, "Weak passage sentence one here. Weak passage sentence two here.", 0.2, NULL},
        {2, "Strong passage opening sentence here. Strong passage second sentence here.", 0.9,
         NULL},
    };
    struct extract_result r;
    assert_int_equal(extract_answer("vacation?", passages, 2, NULL, &r), ERR_OK);
    assert_int_equal(r.sentence_count, 2);
    assert_non_null(strstr(r.text, "- Strong passage opening sentence here. [2]"));
    assert_non_null(strstr(r.text, "- Strong passage second sentence here. [2]"));
    assert_true(r.term_coverage == 0);
    extract_result_cleanup(&r);
}

/* "How many ..." asks for a quantity: the sentence that states one comes first, though
 * another matches as many words and comes from a stronger passage; without the cue the
 * stronger passage leads. */
static void quantity_question_quotes_the_figure_first(void **state)
{
    (void)state;
    const struct extract_passage passages[] = {
        {1, "Illness during annual leave days is not counted for employees.", 0.9, NULL},
        {2, "Employees receive 30 annual leave days per calendar year.", 0.8, NULL},
    };
    struct extract_result r;
    assert_int_equal(extract_answer("How many annual leave days do employees get?", passages, 2,
                                    NULL, &r),
                     ERR_OK);
    const char *figure = strstr(r.text, "30 annual leave days");
    const char *other = strstr(r.text, "Illness during");
    assert_non_null(figure);
    assert_true(!other || figure < other);
    extract_result_cleanup(&r);
    assert_int_equal(extract_answer("annual leave days employees", passages, 2, NULL, &r),
                     ERR_OK);
    figure = strstr(r.text, "30 annual leave days");
    other = strstr(r.text, "Illness during");
    assert_non_null(other);
    assert_true(!figure || other < figure);
    extract_result_cleanup(&r);
}

static void nothing_quotable(void **state)
{
    (void)state;
    const struct extract_passage passages[] = {{1, "```\ncode only\n```\n| a | b |", 1.0, NULL}};
    struct extract_result r;
    assert_int_equal(extract_answer("code", passages, 1, NULL, &r), ERR_NOT_FOUND);
    assert_null(r.text);
    assert_int_equal(extract_answer("code", NULL, 0, NULL, &r), ERR_NOT_FOUND);
}

static void long_sentence_is_cut(void **state)
{
    (void)state;
    char text[2000];
    size_t n = 0;
    n += (size_t)snprintf(text, sizeof text, "Budget ");
    while (n < 1500)
        n += (size_t)snprintf(text + n, sizeof text - n, "words and more words ");
    snprintf(text + n, sizeof text - n, "end.");
    const struct extract_passage passages[] = {{1, text, 1.0, NULL},
                                               {2, "Budget rules are simple here.", 0.5, NULL}};
    struct extract_result r;
    assert_int_equal(extract_answer("budget", passages, 2, NULL, &r), ERR_OK);
    const char *line = strstr(r.text, "- Budget words");
    assert_non_null(line);
    const char *eol = strchr(line, '\n');
    assert_true(eol - line < 420);
    assert_non_null(strstr(line, "... [1]"));
    extract_result_cleanup(&r);
}

/* ---- real questions over assets/kb ------------------------------------------------------- */

enum { CASE_PASSAGES = 4, CASE_ABSENT = 3, TEST_DIM = 1536 };

struct answer_case {
    const char *question;
    const char *first;               /* a quoted line of the passage quoted first */
    const char *absent[CASE_ABSENT]; /* never quoted; NULL-terminated */
    struct extract_passage passages[CASE_PASSAGES]; /* up to the first with text NULL */
};

/* Passages as `cca search` returns them for the question (trimmed), with fused scores over
 * the best. The old scorer (term count, passage order) quoted a distractor first in each. */
static const struct answer_case answer_cases[] = {
    {
        "How do I get paid back for a hotel stay?",
        "- **Expense claim.** The request to get back money you paid yourself",
        {NULL},
        {
            {1,
             "**I booked a hotel above the limit because the conference hotel was the "
             "only option. Will I be\n"
             "reimbursed?** Yes, if you explain it in the claim. Conference hotels are "
             "accepted when the\n"
             "organiser recommends them and the price is reasonable for the event.\n"
             "\n"
             "**My flight was cancelled and I had to stay another night. Who pays?** The "
             "company pays the extra\n"
             "night and meals; ask the airline for compensation as well and transfer any "
             "payment you receive to\n"
             "the company if the company paid for the ticket.\n"
             "\n"
             "**How do I get money back for a visa?** Claim the visa fee as \"other\" with "
             "the receipt and link it to\n"
             "the trip.",
             1.0,
             "Travel and Expense Policy > Appendix A: Frequently asked questions"},
            {2,
             "Apartments from platforms such as Airbnb are allowed for stays of five "
             "nights or more if they are\n"
             "cheaper than a hotel. If you stay with friends or family, the company pays "
             "a flat 20 EUR per night\n"
             "instead of hotel costs; a small gift for your hosts is not reimbursed "
             "separately.",
             0.99,
             "Travel and Expense Policy > 4. Accommodation > 4.3 Private accommodation "
             "and staying with friends"},
            {3,
             "**Budget owner.** The person responsible for a cost centre's budget, "
             "usually the team lead or the\n"
             "department head. The budget owner confirms that money is available before a "
             "trip is approved.\n"
             "\n"
             "**Expense claim.** The request to get back money you paid yourself for "
             "business purposes, submitted\n"
             "in the expense tool with receipts.\n"
             "\n"
             "**Per diem.** The fixed daily amount for meals during business travel, paid "
             "instead of individual\n"
             "restaurant receipts.",
             0.94,
             "Travel and Expense Policy > Appendix C: Glossary"},
        },
    },
    {
        "Is it allowed to paste source code into an AI chatbot?",
        "- Approved AI tools are listed on the intranet; never paste customer data or source code",
        {"Source code is confidential.", NULL},
        {
            {1,
             "Source code is confidential. It lives only in the company's source code "
             "hosting with MFA and\n"
             "signed commits. Secrets (API keys, database passwords, certificates) never "
             "go into source code,\n"
             "tickets or chat; they belong in the secrets vault, and the secret scanning "
             "in the CI pipeline blocks\n"
             "commits that contain them.",
             1.0,
             "Information Security Awareness Handbook > 7. Source code and systems"},
            {2,
             "Share files through the company file sharing service with named people and "
             "an expiry date, not with\n"
             "\"anyone with the link\". Do not upload company data to private cloud "
             "storage, personal e-mail, or\n"
             "online tools that are not approved (including free translation services, "
             "PDF converters and AI\n"
             "chatbots). Approved AI tools are listed on the intranet; never paste "
             "customer data or source code\n"
             "into tools that are not on that list.",
             0.97,
             "Information Security Awareness Handbook > 5. Handling information > 5.2 "
             "Sharing files"},
        },
    },
    {
        "How is my performance rated at the end of the year?",
        "- Performance is rated on a four-level scale",
        {NULL},
        {
            {1,
             "- **January:** set goals for the year with your manager.\n"
             "- **Continuously:** weekly or biweekly one-to-ones and feedback from "
             "colleagues.\n"
             "- **July:** mid-year check-in on goals and development.\n"
             "- **November:** annual review with a rating and a development plan.",
             1.0,
             "Feedback, Goals and Performance Reviews > The yearly cycle"},
            {2,
             "Your manager writes the review after reading your self-assessment and the "
             "peer feedback. Performance\n"
             "is rated on a four-level scale: \"exceeds expectations\", \"fully meets "
             "expectations\", \"partly meets\n"
             "expectations\" and \"does not meet expectations\". Ratings are calibrated "
             "across teams to make them fair.",
             0.98,
             "Feedback, Goals and Performance Reviews > The annual review"},
        },
    },
    {
        "How fast must the on-call engineer acknowledge a page?",
        "- The on-call engineer acknowledges a page within 15 minutes, day or night. [1]",
        {"Engineering teams run a weekly on-call rotation.", NULL},
        {
            {1,
             "Engineering teams run a weekly on-call rotation. The on-call engineer "
             "acknowledges a page within\n"
             "15 minutes, day or night. On-call duty is compensated with a flat weekly "
             "allowance plus time off for\n"
             "every call-out at night or on weekends. Hand over open issues at the end of "
             "the rotation.",
             1.0,
             "Incident Response Process > On-call"},
            {2,
             "Anyone can declare an incident. Use the `/incident` command in the company "
             "chat, choose the\n"
             "severity, and describe what you see. The bot creates an incident channel, "
             "opens a ticket and pages\n"
             "the on-call engineer.",
             0.98,
             "Incident Response Process > Declaring an incident"},
        },
    },
    {
        "What is a model card?",
        "- Check performance across groups, document the data and the intended use in a model card",
        {NULL},
        {
            {1,
             "Employees who travel more than four times a year receive a corporate credit "
             "card. Use it for\n"
             "travel costs only; private use is not allowed, even if you intend to pay "
             "the money back. The card\n"
             "statement is matched automatically with your claims, so you still upload "
             "every receipt.",
             1.0,
             "Travel and Expense Policy > 8. Corporate cards and advances > 8.1 Corporate "
             "credit card"},
            {2,
             "Instead of writing rules by hand, we let an algorithm learn patterns from "
             "examples. A model is a\n"
             "function with parameters; training adjusts the parameters so that the "
             "model's predictions match\n"
             "known examples, and the trained model is then used on new data.",
             1.0,
             "Introduction to Machine Learning > What is machine learning?"},
            {3,
             "Models can reproduce bias in their training data. Check performance across "
             "groups, document the\n"
             "data and the intended use in a model card, and keep a human in the loop for "
             "decisions that affect\n"
             "people.",
             0.99,
             "Introduction to Machine Learning > Responsible ML"},
        },
    },
    {
        "What counts as personal data?",
        "- Personal data is any information relating to an identified or identifiable person",
        {"- What counts as personal data?", NULL},
        {
            {1,
             "What counts as personal data? Personal data is any information relating to "
             "an identified or\n"
             "identifiable person: names, e-mail addresses, phone numbers, IP addresses, "
             "customer numbers, location\n"
             "data, photos, and even pseudonymised data that can be linked back to a "
             "person.",
             1.0,
             "Data Privacy and GDPR > What counts as personal data"},
            {2,
             "- Share personal data only with people who need it for their work.\n"
             "- Do not put personal data into e-mail subjects, chat channels with many "
             "members, or tickets.",
             0.98,
             "Data Privacy and GDPR > Everyday rules"},
        },
    },
};

static enum err local_embed(void *userdata, const char *const *texts, size_t count, float *out)
{
    struct embed_local *el = userdata;
    for (size_t i = 0; i < count; i++)
        embed_local_text(el, texts[i], strlen(texts[i]), out + i * TEST_DIM);
    return ERR_OK;
}

/* The line holding want, and every line before it, cite the same passage. */
static void assert_in_first_group(const char *text, const char *want)
{
    const char *hit = strstr(text, want);
    if (!hit)
        fail_msg("not quoted: %s", want);
    const char *eol = strchr(hit, '\n');
    assert_non_null(eol);
    const char *cite = eol;
    while (cite > hit && *cite != '[')
        cite--;
    size_t cite_len = (size_t)(eol - cite);
    const char *p = strstr(text, "\n\n");
    assert_non_null(p);
    for (p += 2; p < hit;) {
        const char *nl = strchr(p, '\n');
        assert_non_null(nl);
        if ((size_t)(nl - p) < cite_len || memcmp(nl - cite_len, cite, cite_len) != 0)
            fail_msg("quoted before \"%s\": %.*s", want, (int)(nl - p), p);
        p = nl + 1;
    }
}

static void answers_real_questions(void **state)
{
    (void)state;
    struct embed_local *el;
    assert_int_equal(embed_local_new(TEST_DIM, true, &el), ERR_OK);
    const struct extract_embedder em = {local_embed, el, TEST_DIM};
    for (size_t i = 0; i < sizeof answer_cases / sizeof answer_cases[0]; i++) {
        const struct answer_case *c = &answer_cases[i];
        size_t n = 0;
        while (n < CASE_PASSAGES && c->passages[n].text)
            n++;
        for (int with_embedder = 0; with_embedder < 2; with_embedder++) {
            struct extract_result r;
            assert_int_equal(extract_answer(c->question, c->passages, n,
                                            with_embedder ? &em : NULL, &r),
                             ERR_OK);
            print_message("%s (embedder: %s)\n%s", c->question, with_embedder ? "yes" : "no",
                          r.text);
            assert_true(strncmp(r.text, EXTRACT_HEADER "\n\n", strlen(EXTRACT_HEADER) + 2) == 0);
            assert_true(r.sentence_count >= 2 && r.sentence_count <= 4);
            assert_in_first_group(r.text, c->first);
            for (size_t k = 0; k < CASE_ABSENT && c->absent[k]; k++)
                assert_null(strstr(r.text, c->absent[k]));
            extract_result_cleanup(&r);
        }
    }
    embed_local_free(el);
}

/* A fake embedder: the question and any sentence with "reimburs" share one direction, every
 * other text another; it records how it was called. */
struct fake_embedder {
    size_t calls;
    size_t texts;
    bool is_question_first;
    bool has_lone_text;
    bool is_failing;
};

static enum err fake_embed(void *userdata, const char *const *texts, size_t count, float *out)
{
    struct fake_embedder *f = userdata;
    f->calls++;
    f->texts += count;
    if (count < 2)
        f->has_lone_text = true;
    if (strcmp(texts[0], "How do I get my money back?") != 0)
        f->is_question_first = false;
    if (f->is_failing)
        return ERR_IO;
    for (size_t i = 0; i < count; i++) {
        bool is_near = i == 0 || strstr(texts[i], "reimburs");
        out[i * 2] = is_near ? 1.0f : 0.0f;
        out[i * 2 + 1] = is_near ? 0.0f : 1.0f;
    }
    return ERR_OK;
}

static void similarity_counts_without_shared_words(void **state)
{
    (void)state;
    /* No word of the question is in either passage; only meaning links it to the rule. */
    const struct extract_passage passages[] = {
        {1,
         "Team events are paid from the team budget. Your lead manages that budget and "
         "approves each event in advance.",
         1.0, NULL},
        {2,
         "Travel must be approved before booking. Expenses are reimbursed with the next "
         "payroll run after approval.",
         0.8, NULL},
    };
    struct fake_embedder f = {.is_question_first = true};
    const struct extract_embedder em = {fake_embed, &f, 2};
    struct extract_result r;
    assert_int_equal(extract_answer("How do I get my money back?", passages, 2, &em, &r),
                     ERR_OK);
    print_message("%s", r.text);
    assert_in_first_group(r.text, "- Expenses are reimbursed with the next payroll run after "
                                  "approval. [2]\n");
    assert_true(f.calls >= 1 && f.texts >= 2);
    assert_true(f.is_question_first);
    assert_false(f.has_lone_text);
    extract_result_cleanup(&r);

    /* Without it (or when it fails) nothing matches on its merit: the strongest passage
     * fills in, as before. */
    struct extract_result plain, failed;
    assert_int_equal(extract_answer("How do I get my money back?", passages, 2, NULL, &plain),
                     ERR_OK);
    f.is_failing = true;
    assert_int_equal(extract_answer("How do I get my money back?", passages, 2, &em, &failed),
                     ERR_OK);
    assert_string_equal(plain.text, failed.text);
    assert_null(strstr(plain.text, "reimbursed"));
    assert_non_null(strstr(plain.text, "- Team events are paid from the team budget. [1]"));
    extract_result_cleanup(&plain);
    extract_result_cleanup(&failed);
}

static void penalised_sentences_make_way(void **state)
{
    (void)state;
    /* Each passage holds a sentence that repeats the question's words without answering:
     * a question, a heading line, an introduction to a list, a fragment from the overlap. */
    static const struct {
        const char *question;
        const char *text;
        const char *want;
        const char *unwanted;
    } cases[] = {
        {"What counts as personal data?",
         "What counts as personal data? Personal data is any information relating to an "
         "identified person, such as names and e-mail addresses.",
         "- Personal data is any information", "- What counts as personal data?"},
        {"Which hotel rate limits apply?",
         "Hotel rate limits per night\n\nBook hotels through the travel tool. The nightly rate "
         "limits for hotels are 190 EUR in category A cities and 120 EUR elsewhere.",
         "- The nightly rate limits for hotels are 190 EUR", "- Hotel rate limits per night"},
        {"How do I revert a commit on main?",
         "revert a commit on main with a pull request instead. Use `git revert <commit>` to "
         "revert a commit that is already on main and open a pull request.",
         "- Use `git revert <commit>`", "- revert a commit on main with"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct extract_passage passages[] = {
            {1, cases[i].text, 1.0, NULL},
            {2, "Unrelated filler about the cafeteria and its opening hours every day.", 0.5,
             NULL},
        };
        struct extract_result r;
        assert_int_equal(extract_answer(cases[i].question, passages, 2, NULL, &r), ERR_OK);
        print_message("%s\n%s", cases[i].question, r.text);
        assert_in_first_group(r.text, cases[i].want);
        const char *bad = strstr(r.text, cases[i].unwanted);
        const char *good = strstr(r.text, cases[i].want);
        assert_true(!bad || bad > good);
        extract_result_cleanup(&r);
    }
}

static void heading_breaks_a_tie(void **state)
{
    (void)state;
    /* Both sentences share the same question term; the one under the matching heading wins,
     * though its passage ranks second. */
    const struct extract_passage passages[] = {
        {1, "Devices are replaced every three years when they are used on call.", 1.0,
         "IT Equipment > Phones"},
        {2, "Devices are replaced every four years by the service desk.", 0.95,
         "IT Equipment > Laptops"},
    };
    struct extract_result r;
    assert_int_equal(extract_answer("When are laptops replaced?", passages, 2, NULL, &r),
                     ERR_OK);
    print_message("%s", r.text);
    assert_in_first_group(r.text, "- Devices are replaced every four years by the service "
                                  "desk. [2]");
    extract_result_cleanup(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sentences_table),
        cmocka_unit_test(terms_stem_and_stop),
        cmocka_unit_test(answer_quotes_best_sentences),
        cmocka_unit_test(answer_at_most_four),
        cmocka_unit_test(fallback_without_overlap),
        cmocka_unit_test(nothing_quotable),
        cmocka_unit_test(long_sentence_is_cut),
        cmocka_unit_test(answers_real_questions),
        cmocka_unit_test(similarity_counts_without_shared_words),
        cmocka_unit_test(penalised_sentences_make_way),
        cmocka_unit_test(heading_breaks_a_tie),
        cmocka_unit_test(quantity_question_quotes_the_figure_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
