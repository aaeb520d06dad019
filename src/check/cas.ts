// The CAA domain names each certificate authority honours, and the CAs each platform renews with.
//
// The 2025 go.opentelemetry.io outage came from exactly this gap: the platform
// renewed with Google Trust Services (pki.goog) while CAA allowed only
// letsencrypt.org. Platforms that may use several CAs need all of them allowed.
//
// Sources, read in 2026 (platforms change CAs: re-check them now and then):
// - CAA and Let's Encrypt: https://letsencrypt.org/fr/docs/caa
// - google.com's own CAA names Google Trust Services as pki.goog:
//   https://docs.deepinfo.com/reference/lookup/dns/examples/type-caa/
// - AWS ACM, four Amazon names, any one suffices:
//   https://docs.aws.amazon.com/ko_kr/acm/latest/userguide/setup-caa.html
// - Sectigo's names: https://ssl247.com/knowledge-base/detail/internal-caa-records/ka01n000000xnreqao
// - ZeroSSL issues as Sectigo: https://help.zerossl.com/hc/en-us/articles/360060119753-Invalid-CAA-Records
// - SSL.com: https://stg.ssl.com/how-to/configure-caa-records-to-authorize-ssl-com/amp
// - Entrust: https://www.entrust.com/blog/2019/01/what-does-your-caa-say/
// - GoDaddy / Starfield: https://se.godaddy.com/help/anvanda-caa-poster-med-ditt-ssl-certifikat-27227
// - App Engine managed certificates: "Google CA and Let's Encrypt" (FailedRetryingCaaForbidden):
//   https://cloud-dot-devsite-v2-prod.appspot.com/dotnet/docs/reference/Google.Cloud.AppEngine.V1/latest/Google.Cloud.AppEngine.V1.ManagementStatus
// - Google-managed certificates on load balancers, and their CAA section:
//   https://cloud.google.com/load-balancing/docs/ssl-certificates/google-managed-certs
//   https://gcpdiag.dev/runbook/steps/lb/analyze-failed-caa-check
// - Cloud Run domain mappings: Google Trust Services, earlier Let's Encrypt:
//   https://oliverm91.github.io/django-gcp-deployment-guide/08_domain_ssl
//   https://stackoverflow.com/questions/59255283/switch-a-live-domain-to-google-cloud-run-without-downtime/59260376
// - Firebase Hosting: Let's Encrypt, and Google's CA on Google infrastructure:
//   https://aitoolsguidebook.com/en/articles/custom-domain-vercel-but-not-firebase/
//   https://eathealthy365.com/fixing-common-firebase-certificate-errors
// - Netlify renews with Let's Encrypt:
//   https://answers.netlify.com/t/support-guide-ssl-tls-certificate-provisioning/1300
// - GitHub Pages renews with Let's Encrypt:
//   https://blog.drinkbird.com/courses/jekyll-engineering-blog-github-pages/05-github-pages-and-custom-domain/05-https-and-verifying-the-deploy/
// - Vercel renews with Let's Encrypt: https://vercel.com/knowledge/domain-not-generating-ssl-certificate
// - Fly.io renews with Let's Encrypt: https://fly.io/docs/flyctl/certs
// - Cloudflare uses Let's Encrypt, Google Trust Services, SSL.com, and Sectigo for backups:
//   https://github.com/cloudflare/cloudflare-docs/blob/production/content/ssl/edge-certificates/troubleshooting/ca-faq.md
//   https://github.com/replicatedhq/replicated-docs/pull/3060

export interface CertificateAuthority {
  readonly name: string;
  /** CAA issuer domain names the CA accepts; the first is the one to recommend. */
  readonly caaDomains: readonly string[];
}

const CA_LIST = {
  letsencrypt: { name: "Let's Encrypt", caaDomains: ['letsencrypt.org'] },
  google: { name: 'Google Trust Services', caaDomains: ['pki.goog'] },
  digicert: { name: 'DigiCert', caaDomains: ['digicert.com'] },
  sectigo: {
    name: 'Sectigo',
    caaDomains: [
      'sectigo.com',
      'comodoca.com',
      'comodo.com',
      'usertrust.com',
      'trust-provider.com',
    ],
  },
  amazon: {
    name: 'Amazon',
    caaDomains: ['amazon.com', 'amazontrust.com', 'awstrust.com', 'amazonaws.com'],
  },
  sslcom: { name: 'SSL.com', caaDomains: ['ssl.com'] },
  globalsign: { name: 'GlobalSign', caaDomains: ['globalsign.com'] },
  buypass: { name: 'Buypass', caaDomains: ['buypass.com'] },
  entrust: { name: 'Entrust', caaDomains: ['entrust.net'] },
  godaddy: { name: 'GoDaddy', caaDomains: ['godaddy.com', 'starfieldtech.com'] },
} as const satisfies Record<string, CertificateAuthority>;

type CaId = keyof typeof CA_LIST;
export const CAS: Readonly<Record<CaId, CertificateAuthority>> = CA_LIST;

/** Certificate issuer organisations (the O= of the issuer), first match wins. */
const ISSUERS: readonly (readonly [RegExp, CaId])[] = [
  [/let'?s encrypt|\bisrg\b/i, 'letsencrypt'],
  [/google trust services/i, 'google'],
  [/zerossl|sectigo|comodo|usertrust/i, 'sectigo'],
  [/digicert/i, 'digicert'],
  [/amazon/i, 'amazon'],
  [/ssl corporation|ssl\.com/i, 'sslcom'],
  [/globalsign/i, 'globalsign'],
  [/buypass/i, 'buypass'],
  [/entrust/i, 'entrust'],
  [/godaddy|starfield/i, 'godaddy'],
];

/** The CA behind a certificate issuer, from its organisation (or common name). */
export function caForIssuer(issuer: string): CertificateAuthority | undefined {
  const match = ISSUERS.find(([pattern]) => pattern.test(issuer));
  return match ? CAS[match[1]] : undefined;
}

export interface Platform {
  readonly name: string;
  readonly cas: readonly CertificateAuthority[];
}

export const PLATFORMS: Readonly<Record<string, Platform>> = {
  appengine: { name: 'Google App Engine', cas: [CAS.google, CAS.letsencrypt] },
  cloudrun: { name: 'Google Cloud Run', cas: [CAS.google, CAS.letsencrypt] },
  firebase: { name: 'Firebase Hosting', cas: [CAS.google, CAS.letsencrypt] },
  'google-lb': { name: 'Google Cloud load balancer', cas: [CAS.google, CAS.letsencrypt] },
  netlify: { name: 'Netlify', cas: [CAS.letsencrypt] },
  'github-pages': { name: 'GitHub Pages', cas: [CAS.letsencrypt] },
  vercel: { name: 'Vercel', cas: [CAS.letsencrypt] },
  fly: { name: 'Fly.io', cas: [CAS.letsencrypt] },
  cloudflare: {
    name: 'Cloudflare',
    cas: [CAS.letsencrypt, CAS.google, CAS.sslcom, CAS.sectigo],
  },
  aws: { name: 'AWS Certificate Manager', cas: [CAS.amazon] },
};

/** A CA named by one of its CAA domains (--ca-domain); an unknown domain stands for itself. */
export function caForDomain(domain: string): CertificateAuthority {
  const lower = domain.toLowerCase();
  const known = Object.values(CAS).find((ca) => ca.caaDomains.includes(lower));
  return known ?? { name: lower, caaDomains: [lower] };
}
