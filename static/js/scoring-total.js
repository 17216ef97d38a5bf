// The running weighted total on the scoring page (progressive enhancement:
// without it the page shows the total of the saved scores after each save).
// The criteria table carries each criterion's weight and maximum; as a score
// is chosen, its cell and the total update. The server's figure, worked out
// by grants.models.weighted_percentage when the scores are saved, is the one
// that counts; this is the same formula: sum(score / max x weight) as a
// percentage of the total weight, rounded half up to one decimal place.

function chosenScore(form, name) {
  const checked = form.querySelector(`input[name="${name}"]:checked`);
  return checked ? Number(checked.value) : null;
}

function roundHalfUp(value) {
  // Adding a tiny amount stops 68.25 being stored as 68.2499... and rounding down.
  return Math.floor(value * 10 + 0.5 + 1e-9) / 10;
}

function update(form, rows, total) {
  let weighted = 0;
  let weights = 0;
  let scored = 0;
  for (const row of rows) {
    const score = chosenScore(form, row.dataset.criterion);
    const weight = Number(row.dataset.weight);
    weights += weight;
    const cell = row.querySelector("[data-score-cell]");
    if (score === null) {
      cell.textContent = "–";
      continue;
    }
    scored += 1;
    cell.textContent = String(score);
    weighted += (score / Number(row.dataset.max)) * weight;
  }
  const percentage = weights ? roundHalfUp((weighted / weights) * 100) : 0;
  total.textContent =
    `Weighted total of the scores chosen: ${percentage.toFixed(1)}% ` +
    `(${scored} of ${rows.length} criteria scored; not saved until you save or submit)`;
}

const form = document.querySelector("form[data-scoring-form]");
const table = document.querySelector("[data-scoring-table]");
const total = document.querySelector("[data-weighted-total]");
if (form && table && total) {
  const rows = [...table.querySelectorAll("tr[data-criterion]")];
  form.addEventListener("change", () => update(form, rows, total));
}
