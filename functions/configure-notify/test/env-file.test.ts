// The old tool's notify.env, unchanged, becomes a document (and the CLI's RGW connection).
import { describe, expect, it } from 'vitest';
import { documentFromEnvFile, parseEnvText } from '../src/env-file.ts';
import { StateValidationError, type Problem } from '../src/state/schema.ts';

const SEED = `# notify.env of the seed tool
ACCESS_KEY=AKIAEXAMPLE
SECRET_KEY="s3cr3t/with\\"quote"
ENDPOINT_URL=http://rgw.example:8080
BUCKET_NAME=photos
HTTP_ENDPOINT=http://classify.default.svc.cluster.local
FILTER='{"Key": {"FilterRules": [{"Name": "suffix", "Value": ".jpg"}]}}'
FILTER_TYPE=suffix
`;

function problems(text: string): Problem[] {
  try {
    documentFromEnvFile(text);
  } catch (error) {
    expect(error).toBeInstanceOf(StateValidationError);
    return (error as StateValidationError).problems;
  }
  throw new Error('expected the env file to be refused');
}

describe('notify.env', () => {
  it('parses dotenv syntax: quotes, escapes, export, comments', () => {
    const { vars, problems: p } = parseEnvText(`export A=1\nB='x # y'\nC="a\\nb" # note\nD=plain # comment\n\n# only a comment\nE="two\nlines"\n`);
    expect(p).toEqual([]);
    expect(Object.fromEntries([...vars].map(([k, v]) => [k, v.value]))).toEqual({ A: '1', B: 'x # y', C: 'a\nb', D: 'plain', E: 'two\nlines' });
    expect(parseEnvText('not a line').problems[0]).toMatchObject({ path: 'line 1' });
  });

  it("translates the seed tool's variables into one topic and one notification", () => {
    const { document, connection, warnings } = documentFromEnvFile(SEED);
    expect(warnings).toEqual([]);
    expect(connection).toEqual({ endpoint: 'http://rgw.example:8080', accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 's3cr3t/with"quote' });
    expect(document.spec).toEqual({
      topics: [{ name: 'photos-notify', endpoint: { http: { uri: 'http://classify.default.svc.cluster.local' } } }],
      notifications: [{ bucket: 'photos', id: 'photos-notify', topic: 'photos-notify', events: ['s3:ObjectCreated:*'], filter: { keyFilters: [{ name: 'suffix', value: '.jpg' }] } }],
    });
    // the credentials are for the connection only
    expect(JSON.stringify(document)).not.toContain('AKIAEXAMPLE');
  });

  it('every FILTER_TYPE: prefix, regex, metadata and tags (rules under "Key", as the old tool wrote them)', () => {
    const filterOf = (type: string, rules: string) =>
      documentFromEnvFile(`BUCKET_NAME=bk1\nHTTP_ENDPOINT=http://h/\nFILTER_TYPE=${type}\nFILTER='{"Key": {"FilterRules": ${rules}}}'\n`).document.spec.notifications[0]!.filter;
    expect(filterOf('prefix', '[{"Name": "prefix", "Value": "img/"}]')).toEqual({ keyFilters: [{ name: 'prefix', value: 'img/' }] });
    expect(filterOf('regex', '[{"Name": "regex", "Value": "img/.*"}]')).toEqual({ keyFilters: [{ name: 'regex', value: 'img/.*' }] });
    expect(filterOf('metadata', '[{"Name": "x-amz-meta-color", "Value": "red"}]')).toEqual({ metadataFilters: [{ name: 'x-amz-meta-color', value: 'red' }] });
    expect(filterOf('tags', '[{"Name": "env", "Value": "prod"}]')).toEqual({ tagFilters: [{ name: 'env', value: 'prod' }] });
    // Ceph's own block names work too, and a bare value typed by FILTER_TYPE
    expect(documentFromEnvFile(`BUCKET_NAME=bk1\nHTTP_ENDPOINT=http://h/\nFILTER={"S3Tags": {"FilterRules": [{"Name": "env", "Value": "dev"}]}}\n`).document.spec.notifications[0]!.filter).toEqual({
      tagFilters: [{ name: 'env', value: 'dev' }],
    });
    expect(documentFromEnvFile('BUCKET_NAME=bk1\nHTTP_ENDPOINT=http://h/\nFILTER=.png\nFILTER_TYPE=suffix\n').document.spec.notifications[0]!.filter).toEqual({ keyFilters: [{ name: 'suffix', value: '.png' }] });
  });

  it('optional extras, amqp and kafka endpoints', () => {
    const { document } = documentFromEnvFile('BUCKET_NAME=bk1\nHTTP_ENDPOINT=amqp://rabbit:5672\nAMQP_EXCHANGE=ex\nTOPIC_NAME=t\nNOTIFICATION_ID=n\nEVENTS=s3:ObjectCreated:Put, s3:ObjectRemoved:*\nPERSISTENT=true\nOPAQUE_DATA=hi\n');
    expect(document.spec.topics[0]).toEqual({ name: 't', endpoint: { amqp: { uri: 'amqp://rabbit:5672', exchange: 'ex' } }, persistent: true, opaqueData: 'hi' });
    expect(document.spec.notifications[0]).toMatchObject({ id: 'n', topic: 't', events: ['s3:ObjectCreated:Put', 's3:ObjectRemoved:*'] });
    expect(documentFromEnvFile('BUCKET_NAME=bk1\nHTTP_ENDPOINT=kafka://k:9092\n').document.spec.topics[0]!.endpoint).toEqual({ kafka: { uri: 'kafka://k:9092' } });
  });

  it('warns about unknown variables, refuses bad ones naming each', () => {
    expect(documentFromEnvFile('BUCKET_NAME=bk1\nHTTP_ENDPOINT=http://h/\nFOO=1\n').warnings).toEqual(['FOO (line 3) is not a notify.env variable: ignored']);
    const list = problems('HTTP_ENDPOINT=ftp://h/\nFILTER_TYPE=suffix\nFILTER={"Key": {"FilterRules": [{"Name": "prefix", "Value": "a"}]}}\nACCESS_KEY=a\n');
    expect(list.map((p) => p.path).sort()).toEqual(['BUCKET_NAME', 'FILTER.Key.FilterRules[0]', 'HTTP_ENDPOINT', 'SECRET_KEY']);
    expect(problems('BUCKET_NAME=bk1\nHTTP_ENDPOINT=http://h/\nFILTER_TYPE=size\nFILTER=1\n')[0]).toMatchObject({ path: 'FILTER_TYPE' });
    expect(problems('BUCKET_NAME=bk1\nHTTP_ENDPOINT=http://h/\nFILTER_TYPE=suffix\n')[0]).toMatchObject({ path: 'FILTER' });
    expect(problems('BUCKET_NAME=bk1\nHTTP_ENDPOINT=http://h/\nFILTER={"Key": {"FilterRules": [{"Name": "color", "Value": "red"}]}}\n')[0]!.message).toMatch(/FILTER_TYPE/);
  });
});

describe('notify.env problems the document schema finds', () => {
  it('are named by variable', () => {
    expect(problems('BUCKET_NAME=b\nHTTP_ENDPOINT=http://h/\nEVENTS=s3:Nope\n').map((p) => p.path).sort()).toEqual(['BUCKET_NAME', 'EVENTS']);
  });
});
