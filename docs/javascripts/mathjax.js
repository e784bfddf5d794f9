// MathJax configuration for pymdownx.arithmatex (generic mode). The MathJax bundle itself
// (javascripts/mathjax/tex-svg-full.js, MathJax 3.2.2, Apache License 2.0, see
// javascripts/mathjax/LICENSE) is served from this site: nothing is fetched from outside.
window.MathJax = {
  tex: { inlineMath: [["\\(", "\\)"]], displayMath: [["\\[", "\\]"]], processEscapes: true, processEnvironments: true },
  options: {
    ignoreHtmlClass: ".*|",
    processHtmlClass: "arithmatex",
    menuOptions: { settings: { explorer: false } }  // the speech explorer would load its rules from the web
  },
  svg: { fontCache: "global" }
};
