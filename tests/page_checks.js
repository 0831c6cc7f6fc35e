// Measures a postbot page in the browser; evaluated by tests/test_html_browser.py.
// Returns plain JSON: every card with its segments' meters and highlights, and
// every place where text overflows its card.
(() => {
  const overflowOf = (card) => {
    const box = card.getBoundingClientRect();
    const found = [];
    if (card.scrollWidth > card.clientWidth + 1) {
      found.push({ what: "card", scrollWidth: card.scrollWidth, clientWidth: card.clientWidth });
    }
    for (const el of card.querySelectorAll("*")) {
      const display = getComputedStyle(el).display;
      if (display === "inline" || display === "none" || !el.textContent.trim()) continue;
      if (el.scrollWidth > el.clientWidth + 1) {
        found.push({ what: el.className || el.tagName, text: el.textContent.slice(0, 80),
                     scrollWidth: el.scrollWidth, clientWidth: el.clientWidth });
      }
    }
    const walker = document.createTreeWalker(card, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    while (walker.nextNode()) {
      const node = walker.currentNode;
      if (!node.textContent.trim()) continue;
      range.selectNodeContents(node);
      for (const r of range.getClientRects()) {
        if (r.width > 0 && (r.left < box.left - 0.5 || r.right > box.right + 0.5)) {
          found.push({ what: "text", text: node.textContent.slice(0, 80),
                       left: r.left, right: r.right, cardLeft: box.left, cardRight: box.right });
        }
      }
    }
    return found;
  };
  const segmentOf = (segment) => {
    const meter = segment.querySelector(".meter");
    const bar = meter.querySelector(".meter-bar");
    const label = meter.querySelector(".meter-text");
    const box = segment.getBoundingClientRect();
    return {
      index: Number(segment.dataset.index),
      text: segment.querySelector(".text").textContent,
      length: Number(meter.dataset.length),
      limit: Number(meter.dataset.limit),
      level: meter.dataset.level,
      classes: [...meter.classList],
      label: label.textContent,
      barColour: getComputedStyle(bar).backgroundColor,
      labelColour: getComputedStyle(label).color,
      barWidth: bar.getBoundingClientRect().width,
      trackWidth: meter.querySelector(".meter-track").getBoundingClientRect().width,
      top: box.top,
      bottom: box.bottom,
      joiner: getComputedStyle(segment, "::after").content,
      highlights: [...segment.querySelectorAll(".text .link, .text .tag, .text .mention")].map(
        (h) => ({ kind: h.classList[0], text: h.textContent, href: h.getAttribute("href"),
                  title: h.getAttribute("title"), tag: h.tagName.toLowerCase() })),
    };
  };
  const cards = [...document.querySelectorAll("article.card")].map((card) => {
    const box = card.getBoundingClientRect();
    return {
      platform: card.dataset.platform,
      template: card.dataset.template,
      segmentCount: Number(card.dataset.segments),
      error: card.dataset.error ?? null,
      account: card.dataset.account ?? null,
      schedule: card.dataset.schedule ?? null,
      at: card.dataset.at ?? null,
      name: card.querySelector(".who .name")?.textContent ?? null,
      shown: box.width > 0 && box.height > 0,
      text: card.innerText,
      segments: [...card.querySelectorAll(".segment")].map(segmentOf),
      overflow: overflowOf(card),
    };
  });
  return {
    cards,
    days: [...document.querySelectorAll(".day-head")].map((d) => d.textContent.trim()),
    accounts: [...document.querySelectorAll(".account-head")].map((a) => a.dataset.account),
    pageScrollWidth: document.documentElement.scrollWidth,
    viewportWidth: window.innerWidth,
    text: document.body.innerText,
    stylesheets: document.styleSheets.length,
    images: document.images.length,
    scripts: document.scripts.length,
  };
})()
