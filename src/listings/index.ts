// ipvsadm listings: rendered from rows as ipvsadm 1.31 prints them, and parsed back into rows.
export { HEADER, renderConns, renderListings, renderServices, type ConnEntry } from './render.js';
export { ListingParseError, parseConns, parseListings, parseServices } from './parse.js';
export { cmpAddrPort, glibcMsort, sortByAddrPort } from './sort.js';
