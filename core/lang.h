/* lang: a cheap guess of the language of a short text from its function words (stop-word
 * profiles of English and the languages colleagues most often ask in), so a question the
 * English knowledge base cannot match is told so plainly instead of getting unrelated quotes.
 * Pure. */
#ifndef CCA_LANG_H
#define CCA_LANG_H

/* "en", or the English name of another language ("German", "French", "Spanish", "Dutch",
 * "Polish", "Italian", "Portuguese") when at least two of its function words (or letters only
 * it uses) are present and more than English ones. Texts with no clue count as English.
 * The returned string is static. */
const char *lang_guess(const char *text);

#endif
